; Smoke test of the kernel library: output, exception catching, exit.
%include "lib/kernel.inc"
main:
        PUTLN "hello"
        TRY "ud"
        ud2
        ENDTRY
        TRY "gp"
        mov ax, 0x77
        mov ds, ax
        ENDTRY
        TRY "nothing"
        nop
        ENDTRY
        FINISH
