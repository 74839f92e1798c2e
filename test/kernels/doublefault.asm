; Double faults (SDM Vol. 3A 6.15 "Interrupt 8", table 6-5): contributory + contributory and page fault +
; contributory/page fault become #DF with error code 0; benign + anything is delivered serially.
%include "lib/kernel.inc"

PD       equ SCRATCH
PT0      equ SCRATCH + 0x1000

%macro GATE_ABSENT 1                    ; clear the P bit of IDT entry %1
        and byte [idt + (%1) * 8 + 5], 0x7F
%endmacro
%macro GATE_PRESENT 1
        or byte [idt + (%1) * 8 + 5], 0x80
%endmacro

main:
        TRY "gp-with-gp-gate-absent"    ; #GP -> #NP(gate 13) -> #DF
        GATE_ABSENT 13
        mov ax, 0x77
        mov ds, ax
        ENDTRY
        GATE_PRESENT 13
        TRY "de-with-de-gate-absent"    ; #DE -> #NP(gate 0) -> #DF
        GATE_ABSENT 0
        xor ecx, ecx
        div ecx
        ENDTRY
        GATE_PRESENT 0
        TRY "int-empty-gate-np-gate-absent" ; INT 40h (empty: #GP) with gate 11 absent: #GP only
        GATE_ABSENT 11
        int 0x40
        ENDTRY
        GATE_PRESENT 11
        TRY "ud-with-ud-gate-absent"    ; #UD is benign: #NP(gate 6) is delivered, no #DF
        GATE_ABSENT 6
        ud2
        ENDTRY
        GATE_PRESENT 6
        TRY "bp-with-bp-gate-absent"    ; INT3 (benign) -> #NP(gate 3)
        GATE_ABSENT 3
        int3
        ENDTRY
        GATE_PRESENT 3
        TRY "ts-with-gp-gate-absent"    ; LTR of a non-TSS is #GP; #GP absent: contributory pair
        GATE_ABSENT 13
        GATE_ABSENT 11
        mov ax, SEL_DATA0
        ltr ax
        ENDTRY
        GATE_PRESENT 13
        GATE_PRESENT 11

        ; page faults: identity paging for 0-4 MiB, 4-8 MiB not present
        IDENTITY_MAP_4M PD, PT0, 3
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .on
.on:
        TRY "pf-with-pf-gate-absent"    ; #PF -> #NP(gate 14) -> #DF
        GATE_ABSENT 14
        mov eax, [0x400000]
        ENDTRY
        GATE_PRESENT 14
        ; IDT based so that entry 8 is the last mapped one and entries 10 onwards lie in the unmapped 4 MiB:
        ; #GP -> reading gate 13 faults (#PF; contributory then #PF is handled serially) -> reading gate 14
        ; faults again (#PF then #PF) -> #DF through entry 8.
        mov esi, idt + 8 * 8
        mov edi, 0x400000 - 0x10
        movsd
        movsd
        TRY "gp-then-pf-then-pf"
        sidt [saved_idt]
        lidt [idt_at_hole]
        mov ax, 0x77
        mov ds, ax
        ENDTRY
        lidt [saved_idt]
        PUTS "cr2="
        mov eax, [exc_cr2]
        call puthex32
        call newline
        FINISH

saved_idt: dw 0
           dd 0
idt_at_hole:
        dw 256 * 8 - 1
        dd 0x400000 - 0x50              ; entry 8 at 3FFFF0h, entry 10 at 400000h
