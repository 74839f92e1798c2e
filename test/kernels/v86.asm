; Virtual-8086 mode (SDM Vol. 3A 20.2): entering V86 by IRET, IOPL-sensitive CLI/STI/PUSHF/POPF/INT n raising
; #GP(0) to the protected-mode monitor when IOPL < 3, INT n through a DPL 3 gate when IOPL = 3, IN/OUT checked
; against the TSS I/O permission bitmap whatever IOPL is (20.2.8.1), IRET inside V86, HLT always #GP.
%include "lib/kernel.inc"

VTSS     equ SCRATCH                    ; TSS with an I/O bitmap: port E9h allowed, everything else denied
S_VTSS   equ SEL_FREE
V86_SEG  equ 0x0800                     ; the V86 code is copied to 8000h

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
        FINISH

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
v86_end:
bits 32
