; Virtual-8086 mode extensions (SDM Vol. 3A 20.3) and protected-mode virtual interrupts (20.4).
; CR4.VME: the six ways of table 20-2 for INT n (CR4.VME, IOPL, the bit of the interrupt redirection bitmap,
; the 32 bytes below the TSS I/O map base), redirection through the real-mode IVT at linear 0 with the frame
; on the V86 stack; CLI/STI/PUSHF/POPF/IRET at IOPL < 3 working on VIF (IF's place in the pushed/popped image),
; #GP when STI/POPF/IRET would set VIF while VIP = 1 or POPF/IRET would set TF; 32-bit PUSHF/POPF/IRET #GP.
; CR4.PVI: CLI/STI at CPL 3 with IOPL < 3 work on VIF; POPF/IRET do not touch it.
; Reports print the monitor's view: vector, error code, EIP, EFLAGS of the frame and for V86 the three words
; at the V86 SS:SP (the frame a redirected interrupt or a PUSHF left there).
;
; Oracle: Bochs 2.7 p2_klamath advertises and implements VME/PVI (CPUID.1:EDX bit 1, first line). QEMU 7.2 TCG
; (Debian 12) cannot serve: it does not implement VME ("TCG doesn't support requested feature ... vme").
; No test enters V86 or ring 3 with both VIF and VIP set: Bochs then raises #GP(0) before the first instruction
; (with CR4.VME in V86 whatever IOPL, with CR4.PVI at CPL 3), which the SDM does not describe; our core follows
; the SDM and only faults in STI/POPF/IRET.
; Not here: hardware interrupts in V86 with VME (no interrupt source in the test-kernel runner; see
; test/cpu-modes.test.ts).
%include "lib/kernel.inc"

VTSS     equ SCRATCH                    ; TSS, redirection bitmap (32 bytes), I/O bitmap (E9h allowed)
IRB      equ VTSS + 104                 ; interrupt redirection bitmap: bit n set = INT n goes to the IDT
IOMAP    equ 104 + 32                   ; I/O map base (offset in the TSS)
S_VTSS   equ SEL_FREE
V86_SEG  equ 0x0800                     ; the V86 code is copied to 8000h, its stack is 0800:FFF0
V86_STK  equ V86_SEG * 16 + 0xFFF0
PD       equ SCRATCH + 0x10000          ; identity map of the first 4 MiB with 4 KiB pages
PT       equ SCRATCH + 0x11000

IOPL3    equ 0x3000
IF_      equ 0x0200
TF_      equ 0x0100
VIF      equ 0x80000
VIP      equ 0x100000

; V86 entry, eflags (besides VM and bit 1): clears the top of the V86 stack, then IRETD into V86
%macro V86 2
        mov edi, V86_STK - 16
        xor eax, eax
        mov ecx, 8
        rep stosd
        push dword V86_SEG              ; GS FS DS ES
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG              ; SS
        push dword 0xFFF0               ; SP
        push dword 0x20002 | (%2)
        push dword V86_SEG
        push dword %1 - v86_blob
        iretd
%endmacro

; RING3P entry, eflags: ring 3 protected mode at `entry`
%macro RING3P 2
        push dword SEL_DATA3
        push dword USTACK_TOP
        push dword 2 | (%2)
        push dword SEL_CODE3
        push dword %1
        iretd
%endmacro

%macro SETCR4 1
        mov eax, cr4
        and eax, ~3
        or eax, %1
        mov cr4, eax
%endmacro

; CHECK "name", V86|RING3P, entry, eflags: TRY, enter the test code, then the monitor's report
%macro CHECK 4
        TRY %1
        %2 %3, %4
        ENDTRY_QUIET
        call vreport
%endmacro

main:
        mov eax, 1
        cpuid
        PUTS "cpuid.1:edx.vme="
        mov eax, edx
        shr eax, 1
        and eax, 1
        call puthex8
        call newline

        mov edi, VTSS                   ; TSS + bitmaps, all ones (every port denied, every INT n to the IDT)
        mov ecx, (IOMAP + 8192 + 1 + 3) / 4
        mov eax, 0xFFFFFFFF
        rep stosd
        mov edi, VTSS
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [VTSS + 4], ISTACK_TOP
        mov dword [VTSS + 8], SEL_DATA0
        mov word [VTSS + 0x66], IOMAP
        and byte [VTSS + IOMAP + 0xE9 / 8], ~(1 << (0xE9 & 7))
        and byte [IRB + 0x41 / 8], ~(1 << (0x41 & 7))     ; INT 41h and INT 3 redirected (with VME)
        and byte [IRB + 0x03 / 8], ~(1 << (0x03 & 7))
        SET_DESC S_VTSS, VTSS, IOMAP + 8192, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax
        mov esi, v86_blob
        mov edi, V86_SEG * 16
        mov ecx, v86_end - v86_blob
        rep movsb
        mov word [0x41 * 4], v86_isr41 - v86_blob           ; the V86 task's IVT at linear 0
        mov word [0x41 * 4 + 2], V86_SEG
        mov word [0x40 * 4], v86_isr_other - v86_blob
        mov word [0x40 * 4 + 2], V86_SEG
        mov word [0x03 * 4], v86_isr_other - v86_blob
        mov word [0x03 * 4 + 2], V86_SEG
        SET_GATE 13, SEL_CODE0, gp_monitor, 0x8E
        SET_GATE 0x40, SEL_CODE0, pm_handler, 0xEE
        SET_GATE 0x41, SEL_CODE0, pm_handler, 0xEE

        ; ---- table 20-2: INT n in V86 by CR4.VME, IOPL and the redirection bit (40h: set, 41h: clear)
        SETCR4 0
        CHECK "m1-novme-iopl3-int41-idt", V86, v86_int41, IOPL3
        CHECK "m2-novme-iopl0-int41-gp", V86, v86_int41, 0
        SETCR4 1
        CHECK "m3-vme-iopl0-int40-gp", V86, v86_int40, IF_ | VIF
        CHECK "m4-vme-iopl3-int40-idt", V86, v86_int40, IOPL3 | IF_
        CHECK "m5-vme-iopl3-int41-redirected", V86, v86_int41, IOPL3 | IF_ | VIF
        CHECK "m6-vme-iopl0-int41-redirected-vif1", V86, v86_int41, IF_ | VIF
        CHECK "m6-vme-iopl0-int41-redirected-vif0", V86, v86_int41, IF_
        CHECK "m6-vme-iopl0-int41-redirected-if0-vif1", V86, v86_int41, VIF
        CHECK "m5-vme-iopl3-int41-redirected-tf", V86, v86_int41, IOPL3 | IF_ | TF_
        CHECK "m6-vme-iopl0-int41-redirected-tf", V86, v86_int41, IF_ | VIF | TF_
        CHECK "vme-iopl0-int3-not-redirected", V86, v86_int3, IF_ | VIF
        CHECK "vme-iopl0-cd03-redirected", V86, v86_cd03, IF_ | VIF
        ; the redirection bitmap byte beyond the TSS limit
        SET_DESC S_VTSS, VTSS, IOMAP - 32 + 0x41 / 8 - 1, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax
        CHECK "vme-iopl0-int41-bitmap-beyond-limit", V86, v86_int41, IF_ | VIF
        CHECK "vme-iopl3-int41-bitmap-beyond-limit", V86, v86_int41, IOPL3 | IF_ | VIF
        SET_DESC S_VTSS, VTSS, IOMAP + 8192, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax

        ; ---- with paging: V86 accesses are user accesses (the frame of a redirected INT n on a read-only user
        ; page: #PF with U and W), while the IVT read of a redirection on a supervisor page
        IDENTITY_MAP_4M PD, PT, 7
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov dword [PT + (V86_STK >> 12) * 4], (V86_STK & ~0xFFF) | 5     ; V86 stack page: user, read-only
        invlpg [V86_STK]
        CHECK "vme-paging-int41-stack-readonly", V86, v86_int41, IF_ | VIF
        PUTVAL "  cr2", [exc_cr2], 32
        call newline
        mov dword [PT + (V86_STK >> 12) * 4], (V86_STK & ~0xFFF) | 7
        invlpg [V86_STK]
        mov dword [PT], 3                                                 ; page 0 (the IVT): supervisor
        invlpg [0]
        CHECK "vme-paging-int41-ivt-supervisor", V86, v86_int41, IF_ | VIF
        CHECK "vme-paging-v86-read-supervisor", V86, v86_read_ivt, IF_ | VIF
        PUTVAL "  cr2", [exc_cr2], 32
        call newline
        mov eax, cr0
        and eax, ~0x80000000
        mov cr0, eax

        ; ---- VIF and VIP with CR4.VME at IOPL 0
        CHECK "vme-cli", V86, v86_cli, IF_ | VIF
        CHECK "vme-sti", V86, v86_sti, IF_
        CHECK "vme-sti-vip", V86, v86_sti, IF_ | VIP
        CHECK "vme-pushf-if1-vif0", V86, v86_pushf, IF_
        CHECK "vme-pushf-if0-vif1", V86, v86_pushf, VIF
        CHECK "vme-pushfd", V86, v86_pushfd, IF_ | VIF
        CHECK "vme-popf-if1", V86, v86_popf_if1, 0
        CHECK "vme-popf-if1-vip", V86, v86_popf_if1, IF_ | VIP
        CHECK "vme-popf-if0", V86, v86_popf_if0, IF_ | VIF
        CHECK "vme-popf-if0-vip", V86, v86_popf_if0, IF_ | VIP
        CHECK "vme-popf-nt", V86, v86_popf_nt, IF_
        CHECK "vme-popf-tf", V86, v86_popf_tf, IF_ | VIF
        CHECK "vme-popfd", V86, v86_popfd, IF_ | VIF
        CHECK "vme-iret-if1", V86, v86_iret_if1, 0
        CHECK "vme-iret-if0", V86, v86_iret_if0, IF_ | VIF
        CHECK "vme-iret-if1-vip", V86, v86_iret_if1, IF_ | VIP
        CHECK "vme-iret-tf", V86, v86_iret_tf, IF_ | VIF
        CHECK "vme-iretd", V86, v86_iretd, IF_ | VIF
        ; IOPL 3: the real IF, VIF untouched
        CHECK "vme-iopl3-cli", V86, v86_cli, IOPL3 | IF_ | VIF
        CHECK "vme-iopl3-sti-vip", V86, v86_sti, IOPL3 | VIP
        CHECK "vme-iopl3-pushf", V86, v86_pushf, IOPL3 | VIF
        CHECK "vme-iopl3-popf-if1-vip", V86, v86_popf_if1, IOPL3 | VIP

        ; ---- CR4.PVI: CPL 3 protected mode
        SETCR4 2
        CHECK "pvi-cli", RING3P, r3_cli, IF_ | VIF
        CHECK "pvi-sti", RING3P, r3_sti, IF_
        CHECK "pvi-sti-vip", RING3P, r3_sti, IF_ | VIP
        CHECK "pvi-popf-if0", RING3P, r3_popf_if0, IF_ | VIF
        CHECK "pvi-iret-if0", RING3P, r3_iret_if0, IF_ | VIF
        CHECK "pvi-iopl3-sti-vip", RING3P, r3_sti, IOPL3 | VIP
        CHECK "pvi-iopl3-cli", RING3P, r3_cli, IOPL3 | IF_ | VIF
        CHECK "pvi-v86-cli", V86, v86_cli, IF_ | VIF
        SETCR4 0
        CHECK "nopvi-cli", RING3P, r3_cli, IF_ | VIF
        SETCR4 1
        CHECK "vme-nopvi-ring3-cli", RING3P, r3_cli, IF_ | VIF
        SETCR4 0
        FINISH

; #GP: keep the outer SS:ESP of the frame (from V86 or ring 3), then the library's catcher
gp_monitor:
        push eax
        mov eax, [esp + 4 + 16]
        mov [ss:mon_esp], eax
        mov eax, [esp + 4 + 20]
        mov [ss:mon_ss], eax
        pop eax
        jmp exc_stub_13

; an interrupt through the IDT: reported like an exception (vector and the frame's EIP/EFLAGS)
pm_handler:
        mov dword [ss:exc_vector], 0x100         ; "vector=100": the protected-mode handler ran
        mov dword [ss:exc_code], 0
        pop dword [ss:exc_eip]
        pop dword [ss:exc_cs]
        pop dword [ss:exc_eflags]
        pop dword [ss:mon_esp]
        pop dword [ss:mon_ss]
        jmp exc_recover

mon_esp: dd 0
mon_ss:  dd 0

; "name: vector=.. code=.. eip=.. fl=EFLAGS", then for V86 (#GP or IDT handler) " sp=SP stack=W0 W1 W2"
vreport:
        mov esi, [try_name]
        call puts
        PUTS ": "
        cmp dword [exc_vector], 0xFFFFFFFF
        jne .fault
        PUTS "no fault", 10
        ret
.fault:
        PUTS "vector="
        mov eax, [exc_vector]
        cmp eax, 0x100
        jne .v
        PUTS "idt"
        jmp .c
.v:     call puthex8
.c:     PUTS " code="
        mov eax, [exc_code]
        call puthex16
        PUTS " eip="
        mov eax, [exc_eip]
        call puthex16
        PUTS " fl="
        mov eax, [exc_eflags]
        and eax, ~0x10000               ; RF
        call puthex32
        test dword [exc_eflags], 0x20000
        jz .nl
        cmp dword [exc_vector], 0x0D    ; SS:SP known for #GP and the IDT handler only
        je .sp
        cmp dword [exc_vector], 0x100
        jne .nl
.sp:
        PUTS " sp="
        mov eax, [mon_esp]
        call puthex16
        PUTS " stack="
        movzx ebx, word [mon_ss]
        shl ebx, 4
        movzx eax, word [mon_esp]
        add ebx, eax
        xor ecx, ecx
.w:     movzx eax, word [ebx + ecx * 2]
        call puthex16
        call space
        inc ecx
        cmp ecx, 3
        jb .w
.nl:    jmp newline

; ring-3 code (protected mode); each ends with HLT (#GP) so the monitor sees EFLAGS
r3_cli:
        cli
        hlt
r3_sti:
        sti
        hlt
r3_popf_if0:
        push dword 0x2
        popfd
        hlt
r3_iret_if0:
        push dword 0x2
        push dword SEL_CODE3
        push dword .after
        iretd
.after: hlt

bits 16
v86_blob:
v86_int40:
        int 0x40
v86_int41:
        int 0x41
v86_int3:
        int3
v86_cd03:
        db 0xCD, 0x03
v86_isr41:                              ; the redirected INT 41h lands here (IVT)
        hlt
v86_isr_other:                          ; INT 3 and INT 40h if they were wrongly redirected
        hlt
v86_read_ivt:
        xor ax, ax
        mov ds, ax
        mov ax, [0x41 * 4]
        hlt
v86_cli:
        cli
        hlt
v86_sti:
        sti
        hlt
v86_pushf:
        pushf
        hlt
v86_pushfd:
        pushfd
        hlt
v86_popf_if1:
        push word 0x3AD5                ; IOPL 3, IF, OF, arithmetic flags
        popf
        hlt
v86_popf_if0:
        push word 0x08D5
        popf
        hlt
v86_popf_nt:
        push word 0x4001                ; NT, CF
        popf
        hlt
v86_popf_tf:
        push word 0x0100
        popf
        hlt
v86_popfd:
        push dword 0x0200
        popfd
        hlt
v86_iret_if1:
        push word 0x3AD5
        push cs
        push word v86_after_iret - v86_blob
        iret
v86_iret_if0:
        push word 0x08D5
        push cs
        push word v86_after_iret - v86_blob
        iret
v86_iret_tf:
        push word 0x0100
        push cs
        push word v86_after_iret - v86_blob
        iret
v86_iretd:
        push dword 0x0200
        push dword V86_SEG
        push dword v86_after_iret - v86_blob
        iretd
v86_after_iret:
        hlt
v86_end:
bits 32
