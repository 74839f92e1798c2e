; Virtual-8086 mode (SDM Vol. 3A 20.2): entering V86 by IRET, IOPL-sensitive CLI/STI/PUSHF/POPF/INT n raising
; #GP(0) to the protected-mode monitor when IOPL < 3, INT n through a DPL 3 gate when IOPL = 3, IN/OUT checked
; against the TSS I/O permission bitmap whatever IOPL is (20.2.8.1), IRET inside V86, HLT always #GP.
; INT3, INTO and INT1 (ICEBP) are not IOPL-sensitive: they always go through the IDT (Vol. 2 "INT n/INTO/INT3/
; INT1"; INT3/INTO with the gate DPL check, INT1 without), and the target must be a non-conforming ring-0 code
; segment (20.3.1). The frame from V86 holds ES DS FS GS; the handler starts with them null.
%include "lib/kernel.inc"

VTSS     equ SCRATCH                    ; TSS with an I/O bitmap: port E9h allowed, everything else denied
S_VTSS   equ SEL_FREE
V86_SEG  equ 0x0800                     ; the V86 code is copied to 8000h
S_CONF   equ SEL_FREE + 8               ; conforming ring-0 code
S_TSST   equ SEL_FREE + 16              ; a ring-0 task reached from V86 through a task gate
TSST     equ SCRATCH + 0x8000
LOW_STUB equ 0x7000                     ; below 64 KiB: reachable through a 16-bit gate's offset

%macro V86 2                            ; entry label, IOPL
        push dword V86_SEG              ; GS FS DS ES
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG              ; SS
        push dword 0xFFF0               ; SP
        push dword 0x20002 | ((%2) << 12) ; VM
        push dword V86_SEG
        push dword %1 - v86_blob
        iretd
%endmacro

main:
        mov edi, VTSS                   ; TSS + bitmap of 8192 bytes + terminator
        mov ecx, (104 + 8192 + 1 + 3) / 4
        mov eax, 0xFFFFFFFF
        rep stosd
        mov edi, VTSS
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [VTSS + 4], ISTACK_TOP
        mov dword [VTSS + 8], SEL_DATA0
        mov word [VTSS + 0x66], 104
        and byte [VTSS + 104 + 0xE9 / 8], ~(1 << (0xE9 & 7))
        SET_DESC S_VTSS, VTSS, 104 + 8192, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax
        mov esi, v86_blob
        mov edi, V86_SEG * 16
        mov ecx, v86_end - v86_blob
        rep movsb

        TRY "v86-iopl3-sensitive-ok"
        V86 v86_a, 3
        ENDTRY
        TRY "v86-iopl0-cli"
        V86 v86_cli, 0
        ENDTRY
        TRY "v86-iopl0-sti"
        V86 v86_sti, 0
        ENDTRY
        TRY "v86-iopl0-pushf"
        V86 v86_pushf, 0
        ENDTRY
        TRY "v86-iopl0-popf"
        V86 v86_popf, 0
        ENDTRY
        TRY "v86-iopl0-int"
        V86 v86_int, 0
        ENDTRY
        TRY "v86-iopl3-int-frame"
        SET_GATE 0x31, SEL_CODE0, v86_int_handler, 0xEE
        V86 v86_int31, 3
        ENDTRY
        TRY "v86-iopl3-int-dpl0-gate"
        SET_GATE 0x32, SEL_CODE0, v86_int_handler, 0x8E
        V86 v86_int32, 3
        ENDTRY
        TRY "v86-out-denied-iopl3"
        V86 v86_out80, 3
        ENDTRY
        TRY "v86-out-allowed-iopl0"
        V86 v86_oute9, 0
        ENDTRY
        TRY "v86-iret-iopl3"
        V86 v86_iret, 3
        ENDTRY
        TRY "v86-iret-iopl0"
        V86 v86_iret, 0
        ENDTRY
        TRY "v86-hlt"
        V86 v86_hlt, 3
        ENDTRY

        ; INT3 / INTO / INT1 are not IOPL-sensitive (gate DPL 0: #GP(vector*8+2), DPL 3: delivered)
        TRY "v86-iopl0-int3-dpl0-gate"
        V86 v86_int3, 0
        ENDTRY
        TRY "v86-iopl3-int3-dpl0-gate"
        V86 v86_int3, 3
        ENDTRY
        SET_GATE 3, SEL_CODE0, exc_stub_3, 0xEE
        TRY "v86-iopl0-int3-dpl3-gate"
        V86 v86_int3, 0
        ENDTRY
        SET_GATE 3, SEL_CODE0, exc_stub_3, 0x8E
        TRY "v86-iopl0-into-dpl0-gate"
        V86 v86_into, 0
        ENDTRY
        SET_GATE 4, SEL_CODE0, exc_stub_4, 0xEE
        TRY "v86-iopl0-into-dpl3-gate"
        V86 v86_into, 0
        ENDTRY
        TRY "v86-iopl0-into-no-overflow"
        V86 v86_into_nov, 0
        ENDTRY
        SET_GATE 4, SEL_CODE0, exc_stub_4, 0x8E
        TRY "v86-iopl0-icebp"
        V86 v86_icebp, 0
        ENDTRY
        TRY "v86-iopl0-cd03-dpl3-gate"     ; INT 3 written as CD 03 is INT n: IOPL-sensitive
        SET_GATE 3, SEL_CODE0, exc_stub_3, 0xEE
        V86 v86_cd03, 0
        ENDTRY
        SET_GATE 3, SEL_CODE0, exc_stub_3, 0x8E

        ; the gate's target from V86: ring-0 non-conforming code only
        SET_DESC S_CONF, 0, 0xFFFFF, 0x9E, 0xC
        TRY "v86-int-conforming-target"
        SET_GATE 0x33, S_CONF, v86_int_handler, 0xEE
        V86 v86_int33, 3
        ENDTRY
        TRY "v86-int-ring3-target"
        SET_GATE 0x34, SEL_CODE3, v86_int_handler, 0xEE
        V86 v86_int34, 3
        ENDTRY
        TRY "v86-int-16bit-gate"
        mov esi, low_stub
        mov edi, LOW_STUB
        mov ecx, low_stub_end - low_stub
        rep movsb
        SET_GATE 0x35, SEL_CODE0, LOW_STUB, 0xE6
        V86 v86_int35, 3
        ENDTRY
        TRY "v86-int-full-frame"
        SET_GATE 0x36, SEL_CODE0, v86_frame_handler, 0xEE
        V86 v86_int36, 3
        ENDTRY

        ; interrupt gate vs trap gate from V86: IF cleared or kept for the handler
        TRY "v86-int-interrupt-gate-if"
        SET_GATE 0x38, SEL_CODE0, if_handler, 0xEE
        V86 v86_int38, 3
        ENDTRY
        TRY "v86-int-trap-gate-if"
        SET_GATE 0x38, SEL_CODE0, if_handler, 0xEF
        V86 v86_int38, 3
        ENDTRY

        ; INT n through a task gate: the V86 state is saved in the TSS, IRET (NT) comes back to V86
        mov edi, TSST
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [TSST + 0x20], task_entry
        mov dword [TSST + 0x24], 2
        mov dword [TSST + 0x38], 0x1B0000
        mov dword [TSST + 0x4C], SEL_CODE0
        mov dword [TSST + 0x50], SEL_DATA0
        mov dword [TSST + 0x54], SEL_DATA0
        mov dword [TSST + 0x48], SEL_DATA0
        mov word [TSST + 0x66], 0xFFFF
        mov eax, cr3
        mov [TSST + 0x1C], eax
        SET_DESC S_TSST, TSST, 103, 0x89, 0x0
        SET_GATE 0x37, S_TSST, 0, 0xE5
        TRY "v86-int-task-gate"
        V86 v86_int37, 3
        ENDTRY

        ; PUSHF/POPF with a 32-bit operand (66h) at IOPL 3: VM and RF are not pushed, VM/IOPL/VIF/VIP not popped
        TRY "v86-iopl3-pushfd"
        V86 v86_pushfd, 3
        ENDTRY
        call print_pushed_dword
        TRY "v86-iopl3-popfd"
        V86 v86_popfd3, 3
        ENDTRY
        call print_pushed_dword
        TRY "v86-iopl0-pushfd"
        V86 v86_pushfd, 0
        ENDTRY
        TRY "v86-iopl0-popfd"
        V86 v86_popfd, 0
        ENDTRY

        ; LOCK: allowed on a read-modify-write memory destination, #UD elsewhere
        TRY "v86-lock-add-mem"
        V86 v86_lock_ok, 3
        ENDTRY
        TRY "v86-lock-add-reg"
        V86 v86_lock_bad, 3
        ENDTRY

        ; I/O bitmap: a 16/32-bit access checks every port's bit, across two bitmap bytes
        and byte [VTSS + 104 + 0xEE / 8], ~(3 << (0xEE & 7))    ; EE EF allowed, F0 F1 denied
        TRY "v86-in-word-ee"
        V86 v86_in_ee_word, 0
        ENDTRY
        TRY "v86-in-dword-ee-spans-denied-f0"
        V86 v86_in_ee_dword, 0
        ENDTRY
        and byte [VTSS + 104 + 0xF0 / 8], ~(3 << (0xF0 & 7))    ; F0 F1 allowed
        TRY "v86-in-dword-ee-spans-allowed"
        V86 v86_in_ee_dword, 0
        ENDTRY
        ; 64 KiB segment limits; protected-mode-only and privileged instructions (SMSW is neither)
        TRY "v86-word-at-ffff"
        V86 v86_word_ffff, 3
        ENDTRY
        TRY "v86-push-at-sp-1"
        V86 v86_push_sp1, 3
        ENDTRY
        TRY "v86-a32-beyond-64k"
        V86 v86_a32, 3
        ENDTRY
        TRY "v86-smsw"
        V86 v86_smsw, 3
        ENDTRY
        TRY "v86-sldt"
        V86 v86_sldt, 3
        ENDTRY
        TRY "v86-arpl"
        V86 v86_arpl, 3
        ENDTRY
        TRY "v86-lar"
        V86 v86_lar, 3
        ENDTRY
        TRY "v86-mov-cr0"
        V86 v86_movcr0, 3
        ENDTRY
        TRY "v86-clts"
        V86 v86_clts, 3
        ENDTRY
        TRY "v86-rdtsc"
        V86 v86_rdtsc, 0
        ENDTRY

        ; the byte holding port E9's bit is the last byte inside the TSS limit
        SET_DESC S_VTSS, VTSS, 104 + 0xE9 / 8, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax                           ; (a fresh descriptor: not busy)
        TRY "v86-out-e9-bitmap-at-limit"
        V86 v86_oute9, 0
        ENDTRY
        ; the I/O map base beyond the TSS limit: no bitmap, every port denied
        SET_DESC S_VTSS, VTSS, 104 + 8192, 0x89, 0x0
        mov word [VTSS + 0x66], 0xFFF0
        mov ax, S_VTSS
        ltr ax
        TRY "v86-out-e9-map-base-beyond-limit"
        V86 v86_oute9, 0
        ENDTRY
        FINISH

if_handler:                             ; prints IF in the frame and in the handler
        push SEL_DATA0
        pop ds
        PUTS "  frame if="
        mov eax, [esp + 8]
        shr eax, 9
        and eax, 1
        call puthex8
        PUTS " handler if="
        pushfd
        pop eax
        shr eax, 9
        and eax, 1
        call puthex8
        call newline
        jmp exc_recover

task_entry:                             ; prints the V86 state saved in the old TSS, then IRET (NT) back
        PUTS "  task: link="
        movzx eax, word [TSST]
        call puthex16
        PUTS " nt="
        pushfd
        pop eax
        shr eax, 14
        and eax, 1
        call puthex8
        PUTS " saved eip="
        mov eax, [VTSS + 0x20]
        call puthex32
        PUTS " eflags="
        mov eax, [VTSS + 0x24]
        call puthex32
        PUTS " esp="
        mov eax, [VTSS + 0x38]
        call puthex32
        PUTS " es cs ss ds fs gs="
        xor ebx, ebx
.s:     mov eax, [VTSS + 0x48 + ebx * 4]
        call puthex16
        call space
        inc ebx
        cmp ebx, 6
        jb .s
        call newline
        iretd

print_pushed_dword:                     ; the dword at V86 SS:FFEC
        PUTS "  pushed="
        mov eax, [V86_SEG * 16 + 0xFFEC]
        call puthex32
        jmp newline

; a 16-bit interrupt gate's target (offset below 64 KiB): prints the 16-bit frame, if any
low_stub:
        mov eax, v86_int16_handler
        jmp eax
low_stub_end:

v86_int16_handler:
        push SEL_DATA0
        pop ds
        PUTS "  16-bit gate frame:"
        mov ecx, 9
        mov esi, esp
.w:     call space
        movzx eax, word [ss:esi]
        call puthex16
        add esi, 2
        loop .w
        call newline
        jmp exc_recover

entry_segs: dw 0, 0, 0, 0
v86_frame_handler:                      ; prints DS ES FS GS on entry, then the 9 dwords of the frame
        mov [ss:entry_segs], ds
        mov [ss:entry_segs + 2], es
        mov [ss:entry_segs + 4], fs
        mov [ss:entry_segs + 6], gs
        push SEL_DATA0
        pop ds
        PUTS "  entry ds es fs gs:"
        xor ebx, ebx
.s:     call space
        movzx eax, word [entry_segs + ebx * 2]
        call puthex16
        inc ebx
        cmp ebx, 4
        jb .s
        call newline
        push SEL_DATA0
        pop ds
        PUTS "  frame:"
        mov ecx, 9
        mov esi, esp
.d:     call space
        mov eax, [esi]
        call puthex32
        add esi, 4
        loop .d
        call newline
        jmp exc_recover

v86_int_handler:                        ; frame from V86: EIP CS EFLAGS ESP SS ES DS FS GS
        push SEL_DATA0
        pop ds
        PUTS "  v86 int frame: ip="
        mov eax, [esp]
        call puthex16
        PUTS " cs="
        mov eax, [esp + 4]
        call puthex16
        PUTS " vm="
        mov eax, [esp + 8]
        shr eax, 17
        and eax, 1
        call puthex8
        PUTS " ds="
        mov eax, [esp + 24]
        call puthex16
        call newline
        jmp exc_recover

bits 16
v86_blob:
v86_a:
        mov al, 'A'
        out 0xE9, al
        cli
        sti
        pushf
        popf
        mov al, 10
        out 0xE9, al
        int 0x30
v86_cli:
        cli
v86_sti:
        sti
v86_pushf:
        pushf
v86_popf:
        popf
v86_int:
        int 0x21
v86_int31:
        int 0x31
v86_int32:
        int 0x32
v86_out80:
        out 0x80, al
v86_oute9:
        mov al, 'E'
        out 0xE9, al
        mov al, 10
        out 0xE9, al
        hlt
v86_iret:
        pushf
        push cs
        push word v86_after_iret - v86_blob
        iret
v86_after_iret:
        mov al, 'R'
        out 0xE9, al
        mov al, 10
        out 0xE9, al
        hlt
v86_hlt:
        hlt
v86_int3:
        int3
v86_into:
        mov al, 0x7F
        add al, 1                       ; OF = 1
        into
v86_into_nov:
        xor al, al                      ; OF = 0: INTO does nothing
        into
        hlt
v86_icebp:
        db 0xF1
v86_cd03:
        db 0xCD, 0x03
v86_int33:
        int 0x33
v86_int34:
        int 0x34
v86_int35:
        int 0x35
v86_int36:
        mov ax, 0x1111
        mov es, ax
        mov ax, 0x2222
        mov ds, ax
        mov ax, 0x3333
        mov fs, ax
        mov ax, 0x4444
        mov gs, ax
        mov ax, 0xFFC0
        mov sp, ax
        int 0x36
v86_pushfd:
        pushfd                          ; the image stays at SS:FFEC for the monitor
        hlt
v86_popfd3:
        push dword 0x003F4AD5           ; ID VIP VIF AC VM RF NT OF IF SF ZF AF PF CF, IOPL 0
        popfd
        pushfd
        hlt
v86_popfd:
        push dword 0x202
        popfd
v86_lock_ok:
        lock add [0xFF00], ax
        int 0x30
v86_lock_bad:
        lock add ax, ax
v86_in_ee_word:
        mov dx, 0xEE
        in ax, dx
        hlt
v86_in_ee_dword:
        mov dx, 0xEE
        in eax, dx
        hlt
v86_word_ffff:
        mov ax, [0xFFFF]
v86_push_sp1:
        mov sp, 1
        push ax
v86_a32:
        mov ebx, 0x10000
        mov ax, [ebx]
v86_smsw:
        smsw ax
        int 0x30
v86_sldt:
        sldt ax
v86_arpl:
        arpl ax, bx
v86_lar:
        lar ax, bx
v86_movcr0:
        mov eax, cr0
v86_clts:
        clts
v86_rdtsc:
        rdtsc
        hlt
v86_int37:
        mov ax, 0x1234
        mov es, ax
        mov sp, 0xFF00
        int 0x37
        mov al, 'B'
        out 0xE9, al
        mov al, 10
        out 0xE9, al
        int 0x30
v86_int38:
        sti
        int 0x38
v86_end:
bits 32
