; Triple fault (SDM Vol. 3A 6.15, "Interrupt 8": a fault while delivering #DF shuts the processor down; the PC
; chipset turns shutdown into a reset). The kernel prints its line first: after the reset nothing more is
; printed. Our runner exits with status 2, Bochs (reset_on_triple_fault=0) and QEMU (-no-reboot) stop; the
; harness appends "[triple fault]" in all three cases.
; expect: triple-fault
%include "lib/kernel.inc"

main:
        PUTLN "triple: #GP with gates 13, 11 and 8 not present"
        and byte [idt + 13 * 8 + 5], 0x7F
        and byte [idt + 11 * 8 + 5], 0x7F
        and byte [idt + 8 * 8 + 5], 0x7F
        mov ax, 0x77
        mov ds, ax                      ; #GP -> #NP -> #DF -> #NP: shutdown
        PUTLN "not reached"
        FINISH
