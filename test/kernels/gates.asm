; Interrupt and trap gates (SDM Vol. 3A 6.10-6.13; INT n instruction page): IF cleared by interrupt gates and
; kept by trap gates, INT n DPL checks (#GP with IDT error codes), not-present gates (#NP), gates beyond the
; IDT limit, INT3/INTO/BOUND, a stack switch from ring 3, 16-bit gates, bad gate targets.
%include "lib/kernel.inc"

S_DATA   equ SEL_FREE + 0x00            ; a data segment (invalid gate target)
S_CODEHI equ SEL_FREE + 0x08            ; ring-0 code based at 1 MiB: 16-bit gates carry 16-bit offsets

main:
        SET_DESC S_DATA, 0, 0xFFFFF, 0x92, 0xC
        SET_DESC S_CODEHI, 0x100000, 0xFFFF, 0x9A, 0x4
        SET_GATE 0x40, SEL_CODE0, show_if, 0x8E      ; interrupt gate, DPL 0
        SET_GATE 0x41, SEL_CODE0, show_if, 0x8F      ; trap gate, DPL 0
        SET_GATE 0x42, SEL_CODE0, show_frame, 0xEE   ; interrupt gate, DPL 3
        SET_GATE 0x43, SEL_CODE0, show_if, 0x0E      ; not present
        SET_GATE 0x44, S_DATA, show_if, 0x8E         ; target is a data segment
        SET_GATE 0x45, 0, show_if, 0x8E              ; null target selector
        SET_GATE 0x46, S_CODEHI, show_frame16 - 0x100000, 0x86 ; 16-bit interrupt gate
        SET_GATE 0x47, SEL_CODE3, show_if, 0xEE      ; target DPL 3 > CPL 0: #GP
        SET_GATE 0x48, SEL_CODE0, show_if, 0x85      ; type 5 in the IDT names a task gate: TSS selector 08 is not a TSS

        TRY "int-gate-clears-if"
        sti
        int 0x40
        ENDTRY
        TRY "trap-gate-keeps-if"
        sti
        int 0x41
        ENDTRY
        TRY "int-dpl0-from-ring3"
        RING3 0x3002
        int 0x40
        ENDTRY
        TRY "int3-dpl0-from-ring3"
        RING3 0x3002
        int3                            ; INT3 is checked against the gate DPL too
        ENDTRY
        TRY "int-cd03-dpl0-from-ring3"
        RING3 0x3002
        int 3
        ENDTRY
        TRY "int-ring3-stack-switch"
        RING3 0x3202
        mov ebx, esp
        int 0x42
        RING0
        ENDTRY
        TRY "int-not-present"
        int 0x43
        ENDTRY
        TRY "int-target-data-seg"
        int 0x44
        ENDTRY
        TRY "int-target-null"
        int 0x45
        ENDTRY
        TRY "int-gate-16bit"
        mov ebx, esp
        int 0x46
        ENDTRY
        TRY "int-target-outer-dpl"
        int 0x47
        ENDTRY
        TRY "int-task-gate-not-tss"
        int 0x48
        ENDTRY
        TRY "int-beyond-idt-limit"
        lidt [short_idt]
        int 0x50
        ENDTRY
        lidt [idt_ptr]
        TRY "int3"
        int3
        ENDTRY
        TRY "into-of-set"
        mov al, 0x7F
        add al, 1
        into
        ENDTRY
        TRY "into-of-clear"
        xor eax, eax
        into
        ENDTRY
        TRY "bound-out"
        mov eax, 5
        bound eax, [bounds]
        ENDTRY
        TRY "bound-in"
        mov eax, 1
        bound eax, [bounds]
        ENDTRY
        TRY "divide-error"
        xor ecx, ecx
        div ecx
        ENDTRY
        TRY "ud2"
        ud2
        ENDTRY
        FINISH

bounds: dd 0, 4
short_idt:
        dw 0x50 * 8 - 1
        dd idt

show_if:                                ; print IF now and in the saved EFLAGS
        pushfd
        pop eax
        PUTS "  handler if="
        shr eax, 9
        and eax, 1
        call puthex8
        PUTS " saved-if="
        mov eax, [esp + 8]
        shr eax, 9
        and eax, 1
        call puthex8
        call newline
        iretd

show_frame:                             ; from ring 3: [EIP][CS][EFLAGS][ESP][SS]
        push ds
        push SEL_DATA0
        pop ds
        PUTS "  frame cs="
        mov eax, [esp + 8]
        call puthex16
        PUTS " eflags="
        mov eax, [esp + 12]
        call puthex32
        PUTS " esp-ok="
        cmp [esp + 16], ebx
        sete al
        movzx eax, al
        call puthex8
        PUTS " ss="
        mov eax, [esp + 20]
        call puthex16
        PUTS " esp0-delta="
        mov eax, ISTACK_TOP
        sub eax, esp
        call puthex8
        call newline
        pop ds
        iretd

show_frame16:                           ; 16-bit gate: [IP][CS][FLAGS], 6 bytes (IP is truncated: the
        PUTS "  frame16 delta="             ; kernel runs above 64 KiB; leave through exc_recover, not IRET)
        mov eax, ebx
        sub eax, esp
        call puthex8
        PUTS " cs="
        movzx eax, word [esp + 2]
        call puthex16
        call newline
        jmp SEL_CODE0:exc_recover
