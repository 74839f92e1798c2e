; Stack-size rules (SDM Vol. 1 6.2.3, Vol. 3A 3.4.5 D/B flag): a 16-bit stack segment (B=0) moves SP only and
; wraps at 64 KiB while the upper half of ESP stays; POP to a segment register moves the stack pointer by the size
; of the stack it popped from, even when POP SS loads a stack of the other size; ENTER's frame pointer is the
; full ESP after the first push; ENTER checks that its final stack pointer may be written (#SS here; the page
; fault case is in pagecross.asm); LEAVE, PUSHA/POPA, CALL/RET, PUSH/POP near the 64 KiB wrap.
%include "lib/kernel.inc"

S_SS16   equ SEL_FREE                   ; 16-bit data/stack segment, base STK16, limit FFFFh
S_SSLIM  equ SEL_FREE + 8               ; 32-bit stack segment, base 0, limit 1FFFFFh (expand-up)
S_SSDN   equ SEL_FREE + 16              ; 16-bit expand-down stack segment, base STK16, limit 0FFFh
S_SSLIM3 equ SEL_FREE + 24 + 3          ; the same two at DPL 3 (for faults taken at ring 3)
S_SSDN3  equ SEL_FREE + 32 + 3
S_SS16_3 equ SEL_FREE + 40 + 3          ; S_SS16 at DPL 3
S_SS32_3 equ SEL_FREE + 48 + 3          ; 32-bit stack (B=1), limit FFFFh, base STK16, DPL 3
STK16    equ 0x310000

; STK run with SS:ESP = %1:%2 the instructions between STK and ENDSTK, then back to the main stack and print the
; ESP and EBP the instructions left (EBP is set to %3 first).
%macro STK 3
        mov [saved_esp], esp
        mov ebp, %3
        mov ax, %1
        mov ss, ax
        mov esp, %2
%endmacro
%macro ENDSTK 0
        mov [res_esp], esp
        mov [res_ebp], ebp
        mov ax, SEL_DATA0
        mov ss, ax
        mov esp, [saved_esp]
        PUTVAL "  esp", [res_esp], 32
        PUTVAL " ebp", [res_ebp], 32
        call newline
%endmacro
%macro STK3 3                          ; the same at ring 3 (a stack fault goes to the ring-0 stack)
        mov dword [res_esp], 0xEEEEEEEE
        mov dword [res_ebp], 0xEEEEEEEE
        RING3 0x3002
        mov ebp, %3
        mov ax, %1
        mov ss, ax
        mov esp, %2
%endmacro
%macro ENDSTK3 0
        mov [res_esp], esp
        mov [res_ebp], ebp
        RING0
%endmacro
%macro SHOWSTK 0
        PUTVAL "  esp", [res_esp], 32
        PUTVAL " ebp", [res_ebp], 32
        call newline
%endmacro
%macro PUTW 2                          ; print "label=XXXX" for the word at address %2
        push eax
        movzx eax, word [%2]
        PUTVAL %1, eax, 16
        pop eax
%endmacro

main:
        SET_DESC S_SS16, STK16, 0xFFFF, 0x92, 0x0
        SET_DESC S_SSLIM, 0, 0x1FF, 0x92, 0xC
        SET_DESC S_SSDN, STK16, 0x0FFF, 0x96, 0x0
        SET_DESC S_SSLIM3, 0, 0x1FF, 0xF2, 0xC
        SET_DESC S_SSDN3, STK16, 0x0FFF, 0xF6, 0x0
        SET_DESC S_SS16_3, STK16, 0xFFFF, 0xF2, 0x0
        SET_DESC S_SS32_3, STK16, 0xFFFF, 0xF2, 0x4
        ; ---- POP sreg: ESP moves by the old stack's size ----
        mov dword [STK16 + 0xFFFC], SEL_DATA0
        TRY "pop-ss-o32-16bit-stack-to-32bit-stack"
        STK S_SS16, 0x0002FFFC, 0
        pop ss                          ; o32: reads a dword at SS16:FFFC, SP wraps to 0000
        ENDSTK
        ENDTRY
        mov word [STK16 + 0xFFFE], SEL_DATA0
        TRY "pop-ss-o16-16bit-stack-to-32bit-stack"
        STK S_SS16, 0x0002FFFE, 0
        o16 pop ss
        ENDSTK
        ENDTRY
        mov dword [0x1FFFC], S_SS16
        TRY "pop-ss-o32-32bit-stack-to-16bit-stack"
        STK SEL_DATA0, 0x0001FFFC, 0
        pop ss                          ; ESP = 00020000 (32-bit add), not 00010000
        ENDSTK
        ENDTRY
        mov word [STK16 + 0xFFFE], SEL_DATA0
        TRY "pop-ds-o32-16bit-stack-wrap"
        STK S_SS16, 0x0005FFFE, 0
        pop ds                          ; dword at FFFE..0001 crosses the limit: #SS
        ENDSTK
        ENDTRY
        mov word [STK16 + 0xFFFC], SEL_DATA0
        TRY "pop-es-o32-16bit-stack"
        STK S_SS16, 0x1234FFFC, 0
        pop es
        ENDSTK
        ENDTRY
        TRY "pop-fs-o16-16bit-stack"
        STK S_SS16, 0x1234FFFE, 0
        o16 pop fs
        ENDSTK
        ENDTRY
        ; ---- ENTER ----
        mov dword [STK16 + 0xFFF0], 0x11111111
        mov dword [STK16 + 0xFFF4], 0x22222222
        mov dword [STK16 + 0xFFF8], 0x33333333
        mov dword [STK16 + 0x0008], 0x44444444
        mov dword [STK16 + 0x0004], 0x55555555
        TRY "enter-o32-36-16bit-stack-wrap"
        STK S_SS16, 0x00010000, 0xABCD000C
        enter 8, 36                     ; level 36 & 31 = 4
        ENDSTK
        PUTVAL "  [FFFC]", dword [STK16 + 0xFFFC], 32
        PUTVAL " [FFF8]", dword [STK16 + 0xFFF8], 32
        PUTVAL " [FFF4]", dword [STK16 + 0xFFF4], 32
        PUTVAL " [FFF0]", dword [STK16 + 0xFFF0], 32
        PUTVAL " [FFEC]", dword [STK16 + 0xFFEC], 32
        call newline
        ENDTRY
        TRY "enter-o16-3-16bit-stack-wrap"
        STK S_SS16, 0x00070002, 0x99990006
        o16 enter 4, 3
        ENDSTK
        PUTW "  [0000]", STK16 + 0
        PUTW " [FFFE]", STK16 + 0xFFFE
        PUTW " [FFFC]", STK16 + 0xFFFC
        PUTW " [FFFA]", STK16 + 0xFFFA
        call newline
        ENDTRY
        TRY "enter-o32-2-32bit-stack"
        STK SEL_DATA0, 0x00150000, 0x00150100
        enter 0x10, 2
        ENDSTK
        ENDTRY
        TRY "enter-o16-32bit-stack"
        STK SEL_DATA0, 0x00150000, 0xCAFE0100
        o16 enter 0x10, 1
        ENDSTK
        ENDTRY
        ; (at ring 3, so that the #SS frame goes to the ring-0 stack)
        TRY "enter-final-below-limit-ss-fault"
        RING3 0x3002
        mov ax, S_SSLIM3
        mov ss, ax
        mov esp, 0x10
        enter 0x100, 0                  ; push at 0Ch is fine; the final ESP wraps past the limit: #SS(0)
        RING0
        ENDTRY
        TRY "enter-final-expand-down-ss-fault"
        RING3 0x3002
        mov ax, S_SSDN3
        mov ss, ax
        mov esp, 0x1010
        o16 enter 0x20, 0               ; final SP 0FEEh is at or below the expand-down limit
        RING0
        ENDTRY
        TRY "enter-o32-final-dword-crossing-expand-down-limit"
        RING3 0x3002
        mov ax, S_SSDN3
        mov ss, ax
        mov esp, 0x1010
        enter 0x0A, 0                   ; push at 100Ch; final 1002h (dword 1002h-1005h is above the limit)
        RING0
        ENDTRY
        TRY "enter-o16-final-word-at-expand-down-limit"
        RING3 0x3002
        mov ax, S_SSDN3
        mov ss, ax
        mov esp, 0x1010
        o16 enter 0x0D, 0               ; push at 100Eh; final 1001h
        RING0
        ENDTRY
        TRY "enter-final-ok"
        STK S_SSLIM, 0x200, 0x7777
        enter 0x100, 1
        ENDSTK
        ENDTRY
        ; ---- LEAVE, PUSHA/POPA, CALL/RET, PUSH/POP near the wrap (ring 3: a fault must not hit the ring-0 stack) ----
        mov dword [STK16 + 0xFFFC], 0x87654321
        TRY "leave-o32-16bit-stack"
        STK3 S_SS16_3, 0, 0xDEADFFFC
        leave                           ; SP = BP (ESP upper half kept), pop EBP
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "leave-o16-16bit-stack"
        STK3 S_SS16_3, 0x44440000, 0xDEADFFFE
        o16 leave
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "leave-o32-16bit-stack-bp-fffe"
        STK3 S_SS16_3, 0, 0x0000FFFE
        leave                           ; dword at FFFE crosses the limit
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "pusha-o16-16bit-stack-wrap"
        STK3 S_SS16_3, 0x00030008, 0
        o16 pusha
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "pushad-16bit-stack-wrap"
        STK3 S_SS16_3, 0x00030010, 0
        pushad
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "popad-16bit-stack-wrap"
        STK3 S_SS16_3, 0x0003FFF0, 0
        popad
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "push-imm32-16bit-stack-sp2"
        STK3 S_SS16_3, 0x00030002, 0
        push dword 0x12345678
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "push-imm32-16bit-stack-sp0"
        STK3 S_SS16_3, 0x00030000, 0
        push dword 0x12345678
        ENDSTK3
        ENDTRY
        SHOWSTK
        PUTVAL "  [FFFC]", dword [STK16 + 0xFFFC], 32
        call newline
        TRY "pop-16bit-stack-sp-fffc"
        STK3 S_SS16_3, 0x0003FFFC, 0
        pop eax
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "pop-16bit-stack-sp-fffe"
        STK3 S_SS16_3, 0x0003FFFE, 0
        pop eax
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "call-near-16bit-stack-wrap"
        STK3 S_SS16_3, 0x00090000, 0
        call .c1
.c1:    ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "ret-imm-16bit-stack-wrap"
        mov dword [STK16 + 0xFFF8], .r1
        STK3 S_SS16_3, 0x0009FFF8, 0
        ret 0x10
.r1:    ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "push-esp-16bit-stack"
        STK3 S_SS16_3, 0x12340000, 0
        push esp
        ENDSTK3
        ENDTRY
        SHOWSTK
        PUTVAL "  [FFFC]", dword [STK16 + 0xFFFC], 32
        call newline
        TRY "pop-esp-16bit-stack"
        mov dword [STK16 + 0xFFFC], 0xAAAA0010
        STK3 S_SS16_3, 0x1234FFFC, 0
        pop esp
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "pop-mem-esp-relative-16bit-stack"
        mov dword [STK16 + 0xFFFC], 0x13572468
        mov dword [STK16 + 8], 0
        STK3 S_SS16_3, 0x0000FFFC, 0
        pop dword [ss:esp + 8]          ; address computed with the incremented ESP (00010000): beyond the limit
        ENDSTK3
        ENDTRY
        SHOWSTK
        TRY "pop-mem-esp-relative-16bit-stack-no-wrap"
        mov dword [STK16 + 0xFFF0], 0x2468ACE0
        STK3 S_SS16_3, 0x0000FFF0, 0
        pop dword [ss:esp + 8]
        ENDSTK3
        ENDTRY
        SHOWSTK
        PUTVAL "  [FFFC]", dword [STK16 + 0xFFFC], 32
        call newline
        ; ---- far CALL/RET and IRET near the 64 KiB wrap of a 16-bit stack (ring 3), with ESP's upper half clear and set
%macro FARSTK 3                         ; name, ESP, instruction
        TRY %1
        STK3 S_SS16_3, %2, 0
        %3
        ENDSTK3
        ENDTRY
        SHOWSTK
%endmacro
        FARSTK "callf-o32-sp4", 0x00000004, {call SEL_CODE3:.far_target}
        FARSTK "callf-o32-sp8-upper", 0x00050008, {call SEL_CODE3:.far_target}
        FARSTK "callf-o32-sp0", 0x00000000, {call SEL_CODE3:.far_target}
        FARSTK "retf-o32-spfffc", 0x0000FFFC, {retf}
        FARSTK "retf-o32-spfffc-upper", 0x0006FFFC, {retf}
        FARSTK "retf-o16-spfffe", 0x0000FFFE, {o16 retf}
        FARSTK "retf-o16-spfffc-upper", 0x0006FFFC, {o16 retf}
        FARSTK "iret-o16-spfffc", 0x0000FFFC, {o16 iret}
        FARSTK "iret-o32-spfff8", 0x0000FFF8, {iretd}
        FARSTK "iret-o32-spfff4-upper", 0x0007FFF4, {iretd}
        FARSTK "ret-near-o32-spfffe", 0x0000FFFE, {ret}
        FARSTK "push-o16-sp1", 0x00000001, {o16 push word 0x1234}
        FARSTK "push-o32-sp0-upper", 0x00090000, {push dword 0x1234}
%macro FARSTK32 3                       ; the same on the 32-bit stack with a 64 KiB limit
        TRY %1
        STK3 S_SS32_3, %2, 0
        %3
        ENDSTK3
        ENDTRY
        SHOWSTK
%endmacro
        FARSTK32 "retf-o32-32bit-stack-cs-slot-past-limit", 0x0000FFFA, {retf}
        FARSTK32 "retf-o16-32bit-stack-fffc", 0x0000FFFC, {o16 retf}
        FARSTK32 "iret-o32-32bit-stack-past-limit", 0x0000FFF6, {iretd}
        FARSTK32 "callf-o32-32bit-stack-esp4", 0x00000004, {call SEL_CODE3:.far_target}
        jmp .far_done
.far_target:                            ; a far CALL that got here: report its stack and return to ring 0
        ENDSTK3
.far_done:
        FINISH

saved_esp: dd 0
res_esp:   dd 0
res_ebp:   dd 0
