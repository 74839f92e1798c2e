; x87 FPU (SDM Vol. 1 8.1-8.5, 8.7; Vol. 3A 2.5 CR0.NE, 6.15 "Interrupt 16"): FINIT state, FLD/FSTP m80 round
; trip, stack underflow with IE masked (QNaN indefinite, C1=0 for underflow, IE+SF), stack overflow (C1=1),
; an unmasked invalid operation reported as #MF at the next waiting instruction with CR0.NE=1, divide by zero.
; (QEMU's TCG does not report stack faults: Bochs is the oracle.)
%include "lib/kernel.inc"

main:
        mov eax, cr0
        or eax, 0x20                    ; NE: native x87 error reporting (#MF)
        and eax, ~0x0C                  ; EM=0, TS=0
        mov cr0, eax
        finit
        fnstsw ax
        PUTVAL "finit: sw", eax, 16
        fnstcw [cw]
        PUTVAL " cw", [cw], 16
        fnstenv [env]
        PUTVAL " tw", [env + 8], 16
        call newline

        fld tword [ext_in]              ; m80 round trip is exact
        fstp tword [ext_out]
        PUTS "m80: "
        mov eax, [ext_out + 6]
        call puthex16
        mov eax, [ext_out + 4]
        call puthex16
        mov eax, [ext_out]
        call puthex32
        PUTS " "
        mov eax, [ext_out + 8]
        call puthex16
        call newline

        fld1
        fld qword [three]
        fdivp st1, st0                  ; 1/3 to double
        fstp qword [dbl]
        PUTVAL "1/3", [dbl + 4], 32
        PUTVAL ":", [dbl], 32
        call newline

        finit                           ; stack underflow, IE masked
        fadd st0, st0                   ; empty register
        fnstsw ax
        PUTVAL "underflow: sw", eax, 16
        fstp qword [dbl]
        PUTVAL " result", [dbl + 4], 32
        PUTVAL ":", [dbl], 32
        call newline

        finit                           ; stack overflow: ninth push
        mov ecx, 9
.push:  fld1
        loop .push
        fnstsw ax
        PUTVAL "overflow: sw", eax, 16
        call newline

        finit                           ; zero divide, masked
        fld1
        fldz
        fdivp st1, st0
        fnstsw ax
        PUTVAL "zerodiv: sw", eax, 16
        fstp qword [dbl]
        PUTVAL " result", [dbl + 4], 32
        call newline

        finit                           ; unmasked invalid operation: #MF at the next waiting instruction
        fldcw [cw_ie_unmasked]
        TRY "unmasked-ie"
        fld1
        fchs
        fsqrt                           ; sqrt(-1): IE pending, ES=B=1
        fnstsw ax
        PUTVAL "  pending sw", eax, 16
        call newline
        fwait                           ; reports #MF (vector 16) here
        ENDTRY
        fnstsw ax
        PUTVAL "after #MF: sw", eax, 16
        call newline
        fnclex
        fnstsw ax
        PUTVAL "after fnclex: sw", eax, 16
        call newline
        FINISH

align 8
ext_in:  dw 0x1234, 0x5678, 0x9ABC, 0xDEF0, 0x4001 ; a normal extended value, all mantissa bits used
ext_out: times 10 db 0
three:   dq 3.0
dbl:     dq 0
cw:      dw 0
cw_ie_unmasked: dw 0x037E               ; all masked except IM
env:     times 28 db 0
