; Privilege transitions (SDM Vol. 3A 5.5-5.8, 6.12.1; CALL/RET/IRET instruction pages): ring 0 -> 3 by IRET,
; call gates 3 -> 0 with parameter copy and stack switch, far RET to the outer level with data-segment
; nullification, CPL/RPL/DPL checks on far transfers, IOPL-sensitive and privileged instructions at CPL 3,
; conforming code segments.
%include "lib/kernel.inc"

S_GATE3  equ SEL_FREE + 0x00            ; call gate DPL 3 -> ring-0 code, 2 dword parameters
S_GATE0  equ SEL_FREE + 0x08            ; call gate DPL 0 -> ring-0 code
S_CONF   equ SEL_FREE + 0x10            ; conforming code, DPL 0
S_CODE1  equ SEL_FREE + 0x18            ; ring-1 code (for RET to an outer level from ring 0)
S_DATA1  equ SEL_FREE + 0x20            ; ring-1 data/stack
S_GATE3B equ SEL_FREE + 0x28            ; call gate DPL 3 -> ring-3 code (same level: no stack switch)

main:
        call extra_gates
        SET_CALLGATE S_GATE3, SEL_CODE0, gate_target, 0xEC, 2
        SET_CALLGATE S_GATE0, SEL_CODE0, gate_target, 0x8C, 2
        SET_CALLGATE S_GATE3B, SEL_CODE3, same_level_target, 0xEC, 0
        SET_DESC S_CONF, 0, 0xFFFFF, 0x9E, 0xC
        SET_DESC S_CODE1, 0, 0xFFFFF, 0xBA, 0xC
        SET_DESC S_DATA1, 0, 0xFFFFF, 0xB2, 0xC

        ; ---- IRET to ring 3 ------------------------------------------------------------------------
        TRY "iret-to-ring3"
        mov ax, SEL_DATA0
        mov fs, ax                      ; DPL 0: must be nulled by the IRET to CPL 3
        mov ax, SEL_DATA3
        mov gs, ax                      ; DPL 3: kept
        RING3 0x3002                    ; IOPL 3 so ring 3 can print
        PUTS "  ring3: cs="
        mov eax, cs
        call puthex16
        PUTS " ss="
        mov eax, ss
        call puthex16
        PUTS " fs="
        mov eax, fs
        call puthex16
        PUTS " gs="
        mov eax, gs
        call puthex16
        call newline
        RING0
        ENDTRY

        ; ---- call gate 3 -> 0 with parameters, RET back with nullification ---------------------------
        TRY "callgate-3to0"
        RING3 0x3002
        mov ax, SEL_DATA3
        mov fs, ax
        push dword 0x11111111
        push dword 0x22222222
        mov ebx, esp                    ; ring-3 ESP before the call
        call S_GATE3:0
        ; back in ring 3 after RETF 8: ESP must be restored past the parameters
        lea eax, [ebx + 8]
        sub eax, esp
        PUTS "  back in ring3: esp-delta="
        call puthex32
        PUTS " es="
        mov eax, es
        call puthex16
        PUTS " fs="
        mov eax, fs
        call puthex16
        call newline
        RING0
        ENDTRY

        TRY "callgate-same-level"
        RING3 0x3002
        mov ebx, esp
        call S_GATE3B:0
        RING0
        ENDTRY

        ; ---- checks that must fault ----------------------------------------------------------------
        TRY "callgate-dpl0-from-ring3"
        RING3 0x3002
        call S_GATE0:0
        RING0
        ENDTRY
        TRY "jmp-ring0-code-from-ring3"
        RING3 0x3002
        jmp SEL_CODE0:main
        ENDTRY
        TRY "load-ds-dpl0-at-ring3"
        RING3 0x3002
        mov ax, SEL_DATA0
        mov ds, ax
        ENDTRY
        TRY "load-ss-dpl0-at-ring3"
        RING3 0x3002
        mov ax, SEL_DATA0 | 3
        mov ss, ax
        ENDTRY
        TRY "iret-to-ring0-from-ring3"
        RING3 0x3002
        pushfd
        push dword SEL_CODE0
        push dword main
        iretd
        ENDTRY
        TRY "retf-to-inner-level"
        RING3 0x3002
        push dword SEL_CODE0
        push dword main
        retf
        ENDTRY
        TRY "cli-iopl0-ring3"
        RING3 0x0002
        cli
        ENDTRY
        TRY "sti-iopl0-ring3"
        RING3 0x0002
        sti
        ENDTRY
        TRY "popf-iopl0-ring3-keeps-if"
        RING3 0x0002
        push dword 0x3202               ; try to set IF and IOPL: silently ignored at CPL 3 > IOPL
        popfd
        pushfd
        pop eax
        int 0x31                        ; report EFLAGS through a DPL 3 gate
        ENDTRY
        TRY "in-iopl0-ring3-no-bitmap"
        RING3 0x0002
        in al, 0x80
        ENDTRY
        TRY "hlt-ring3"
        RING3 0x3002
        hlt
        ENDTRY
        TRY "mov-cr0-ring3"
        RING3 0x3002
        mov eax, cr0
        ENDTRY
        TRY "lgdt-ring3"
        RING3 0x3002
        lgdt [gdt_ptr]
        ENDTRY

        ; ---- conforming code keeps CPL ---------------------------------------------------------------
        TRY "conforming-call-from-ring3"
        RING3 0x3002
        call S_CONF:conforming_target
        RING0
        ENDTRY

        ; ---- RET from ring 0 to ring 1 (outer level) -------------------------------------------------
        TRY "retf-ring0-to-ring1"
        mov ax, SEL_DATA3
        mov gs, ax                      ; DPL 3 >= CPL 1: kept
        mov ax, SEL_DATA0
        mov fs, ax                      ; DPL 0 < CPL 1: nulled
        push dword S_DATA1 | 1          ; SS
        push dword 0x1B0000             ; ESP
        push dword S_CODE1 | 1          ; CS
        push dword .ring1
        retf
.ring1:
        mov ebx, cs
        mov ecx, ss
        mov edx, fs
        mov esi, gs
        mov edi, esp
        int 0x32                        ; back to ring 0 to print (DPL 3 gate)
        ENDTRY
        FINISH

; int 31h (DPL 3): print EAX as EFLAGS seen at ring 3, then back to ring 0
report_eflags:
        push SEL_DATA0
        pop ds
        PUTS "  eflags="
        call puthex32
        call newline
        jmp ring0_return

; int 32h (DPL 3): print the ring-1 state captured in registers
report_ring1:
        push SEL_DATA0
        pop ds
        PUTS "  ring1: cs="
        mov eax, ebx
        call puthex16
        PUTS " ss="
        mov eax, ecx
        call puthex16
        PUTS " fs="
        mov eax, edx
        call puthex16
        PUTS " gs="
        mov eax, esi
        call puthex16
        PUTS " esp="
        mov eax, edi
        call puthex32
        call newline
        jmp ring0_return

; ring-0 target of the call gates: stack = [ret EIP][ret CS][param2][param1][ESP][SS] (SDM figure 5-13)
gate_target:
        push ds
        push es
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax                      ; DPL 0: ES must be nulled when returning to ring 3
        PUTS "  in gate: cpl="
        mov eax, cs
        and eax, 3
        call puthex8
        PUTS " cs="
        mov eax, [esp + 12]
        call puthex16
        PUTS " p1="
        mov eax, [esp + 20]
        call puthex32
        PUTS " p2="
        mov eax, [esp + 16]
        call puthex32
        PUTS " ss="
        mov eax, [esp + 28]
        call puthex16
        PUTS " esp-ok="
        mov eax, [esp + 24]
        cmp eax, ebx
        sete al
        movzx eax, al
        call puthex8
        PUTS " esp0-delta="
        mov eax, ISTACK_TOP
        sub eax, esp
        call puthex8
        call newline
        pop es
        pop ds
        retf 8

same_level_target:                      ; ring 3 -> ring 3 through a gate: no stack switch
        PUTS "  same level: cs="
        mov eax, cs
        call puthex16
        PUTS " esp-delta="
        mov eax, ebx
        sub eax, esp
        call puthex8
        call newline
        retf

conforming_target:
        PUTS "  conforming: cs="
        mov eax, cs
        call puthex16
        call newline
        retf

extra_gates:
        SET_GATE 0x31, SEL_CODE0, report_eflags, 0xEE
        SET_GATE 0x32, SEL_CODE0, report_ring1, 0xEE
        ret
