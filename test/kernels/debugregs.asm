; Debug registers, part 1 (SDM Vol. 3B 17.2-17.3): reading and writing DR0-DR7 (reserved bits of DR6/DR7 as on
; P6, DR4/DR5 aliasing DR6/DR7 while CR4.DE = 0 and #UD while CR4.DE = 1), CPUID.1:EDX.DE, general detect
; (DR7.GD: #DB with BD before MOV DRx, GD cleared for the handler), instruction breakpoints (faults before the
; instruction, B bits of every matching condition, in a hot loop whose blocks are cached and linked, on an
; instruction that straddles a page, on the linear addresses of a code page mapped twice, whose cached blocks are
; shared; suppressed by EFLAGS.RF for one instruction after IRET), RF in the frames of other faults, single step
; onto a breakpoint (BS and B0 in one #DB) and through REP STOSB, what STI and MOV SS hold back (single-step
; traps, data breakpoint traps, the next instruction's breakpoint), the TSS T bit (BT), and task switches
; clearing the local enables of DR7.
; Data and I/O breakpoints: databreak.asm.
%include "lib/kernel.inc"
%include "lib/debug.inc"

TSS_B    equ SCRATCH                    ; a task with the T bit set
S_TSSB   equ SEL_FREE
PGDIR    equ SCRATCH + 0x10000
PGTAB    equ SCRATCH + 0x11000
ALIAS    equ 0x3F0000                   ; with paging: a second linear page for the page of `aliased`

main:
        SET_GATE 1, SEL_CODE0, db_handler, 0x8E
        SET_GATE 0x40, SEL_CODE0, int40_handler, 0x8E

        ; ---- registers --------------------------------------------------------------------------------------
        mov eax, 1
        cpuid
        shr edx, 2
        and edx, 1
        PUTVAL "cpuid.1:edx.de", edx, 8
        call newline
        xor eax, eax
        mov dr6, eax
        mov eax, dr6
        PUTVAL "dr6(0)", eax, 32
        mov eax, 0xFFFFFFFF
        mov dr6, eax
        mov eax, dr6
        PUTVAL " dr6(ffffffff)", eax, 32
        mov eax, 0x0000600F
        mov dr6, eax
        mov eax, dr6
        PUTVAL " dr6(600f)", eax, 32
        call newline
        mov eax, 0xFFFF0000             ; R/W and LEN fields only: nothing enabled
        mov dr7, eax
        mov eax, dr7
        PUTVAL "dr7(ffff0000)", eax, 32
        mov eax, 0x0000DF00             ; LE GE and reserved bits (GD, bit 13, stays clear here)
        mov dr7, eax
        mov eax, dr7
        PUTVAL " dr7(df00)", eax, 32
        xor eax, eax
        mov dr7, eax
        mov eax, dr7
        PUTVAL " dr7(0)", eax, 32
        call newline
        mov eax, 0x12345678
        mov dr0, eax
        mov eax, 0x9ABCDEF0
        mov dr1, eax
        mov eax, 0xFFFFFFFF
        mov dr2, eax
        mov eax, 0x00000001
        mov dr3, eax
        mov eax, dr0
        PUTVAL "dr0", eax, 32
        mov eax, dr1
        PUTVAL " dr1", eax, 32
        mov eax, dr2
        PUTVAL " dr2", eax, 32
        mov eax, dr3
        PUTVAL " dr3", eax, 32
        call newline
        mov eax, 0x00000100             ; CR4.DE = 0: DR5 is DR7, DR4 is DR6
        mov dr5, eax
        mov eax, dr7
        PUTVAL "dr5->dr7", eax, 32
        mov eax, 0x00000001
        mov dr4, eax
        mov eax, dr6
        PUTVAL " dr4->dr6", eax, 32
        mov eax, dr4
        PUTVAL " dr4", eax, 32
        mov eax, dr5
        PUTVAL " dr5", eax, 32
        call newline
        DBRESET
        mov eax, cr4
        or eax, 8                       ; CR4.DE
        mov cr4, eax
        TRY "cr4.de: mov eax, dr4"
        mov eax, dr4
        ENDTRY
        TRY "cr4.de: mov dr5, eax"
        mov dr5, eax
        ENDTRY
        mov eax, cr4
        PUTVAL "cr4", eax, 32
        call newline
        and eax, ~8
        mov cr4, eax

        ; ---- general detect: #DB before the MOV, GD clear in the handler, the MOV then executes -------------
        PUTLN "general detect, mov eax, dr0:"
        mov eax, 0x12345678
        mov dr0, eax
        SETDR 7, 0x2000, 0x2000
        xor eax, eax
        mov eax, dr0
        PUTVAL "  after: eax", eax, 32
        mov eax, dr7
        PUTVAL " dr7", eax, 32
        call newline
        PUTLN "general detect, mov dr7, eax:"
        SETDR 7, 0x2000, 0x2000
        mov eax, DR7_L(1)
        mov dr7, eax
        mov eax, dr7
        PUTVAL "  after: dr7", eax, 32
        call newline
        DBRESET

        ; ---- instruction breakpoints ---------------------------------------------------------------------
        PUTLN "exec G0:"
        SETDR 0, x1, DR7_G(0)
        nop
x1:     nop
        DBRESET
        PUTLN "exec L3, LE:"
        SETDR 3, x2, DR7_L(3) | 0x100
        nop
x2:     inc eax
        DBRESET
        PUTLN "exec disabled DR0 + enabled DR1 at the same address, disabled DR2 elsewhere:"
        mov eax, x3
        mov dr0, eax
        mov dr1, eax
        mov eax, x3 + 1
        mov dr2, eax
        SETDR 7, 0, DR7_G(1)
        nop
x3:     nop
        nop
        DBRESET
        PUTLN "exec disabled only:"
        SETDR 0, x4, DR7_RW(0, RW_X)
x4:     nop
        DBRESET
        PUTLN "exec, handler returns without RF and clears DR7:"
        mov byte [db_rf], 0
        mov byte [db_off], 1
        SETDR 2, x5, DR7_G(2)
x5:     nop
        DBRESET

        ; a hot loop: run it until its blocks are cached and linked, then break in the middle of a block and on a
        ; block reached through a link
        PUTLN "exec in a hot loop:"
        xor ebx, ebx
        mov ecx, 3000
.warm:  call hotsub
        dec ecx
        jnz .warm
        SETDR 0, hot_mid, DR7_G(0)
        mov ecx, 3
.hot1:  call hotsub
        dec ecx
        jnz .hot1
        SETDR 1, hotsub, DR7_G(1)
        mov ecx, 2
.hot2:  call hotsub
        dec ecx
        jnz .hot2
        DBRESET
        PUTVAL "  ebx", ebx, 32
        call newline

        PUTLN "exec on an instruction that straddles a page:"
        SETDR 0, straddle, DR7_G(0)
        call straddle
        DBRESET

        ; the block cache is keyed by the physical bytes, so both linear aliases of a page run the same cached
        ; blocks; breakpoints are on linear addresses
        PUTLN "paging, code page mapped twice, breakpoint on the original address (called via the alias, then not):"
        IDENTITY_MAP_4M PGDIR, PGTAB, 3
        mov dword [PGTAB + (ALIAS >> 12) * 4], aliased + 3
        mov eax, PGDIR
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        mov ecx, 500
.warm2: call ALIAS
        call aliased
        dec ecx
        jnz .warm2
        SETDR 0, aliased_bp, DR7_G(0)
        call ALIAS
        call aliased
        PUTLN "  breakpoint on the alias address (called via the original, then the alias):"
        SETDR 0, ALIAS + (aliased_bp - aliased), DR7_G(0)
        call aliased
        call ALIAS
        DBRESET
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax

        ; ---- EFLAGS.RF ----------------------------------------------------------------------------------
        PUTLN "IRET with RF to a breakpoint (suppressed), next instruction also a breakpoint (fires):"
        mov eax, r1
        mov dr0, eax
        mov eax, r1 + 1
        mov dr1, eax
        SETDR 7, 0, DR7_G(0) | DR7_G(1)
        pushfd
        or dword [esp], 0x10000
        push cs
        push r1
        iretd
r1:     nop
        nop
        DBRESET
        PUTLN "IRET with RF to INT 40h (RF is clear again when the INT pushes EFLAGS):"
        pushfd
        or dword [esp], 0x10000
        push cs
        push r2
        iretd
r2:     int 0x40
        TRY "#GP frame"
        mov ax, 0x77
        mov ds, ax
        ENDTRY
        PUTVAL "  rf", [exc_eflags + 2], 8
        call newline
        TRY "#UD frame"
        ud2
        ENDTRY
        PUTVAL "  rf", [exc_eflags + 2], 8
        call newline

        ; ---- single step onto a breakpoint: one #DB with BS and B0 -----------------------------------------
        PUTLN "single step onto an instruction breakpoint:"
        SETDR 0, s1, DR7_G(0)
        pushfd
        or dword [esp], 0x100
        popfd
        nop
s1:     nop
        pushfd
        and dword [esp], ~0x100
        popfd
        DBRESET

        PUTLN "single step through REP STOSB (a trap after every iteration, EIP on it until the last):"
        mov byte [db_regs], 1
        xor esi, esi                    ; printed by the handler: the loaders leave different values
        mov edi, SCRATCH + 0x200
        mov ecx, 3
        pushfd
        or dword [esp], 0x100
        popfd
        rep stosb
        pushfd
        and dword [esp], ~0x100
        popfd
        DBRESET

        ; ---- STI and MOV SS (SDM Vol. 3A 6.8.3): only MOV SS/POP SS hold back debug traps for an instruction ---
        PUTLN "single step over STI (a trap after it) and MOV SS, POP SS (the trap comes after the next one):"
        pushfd
        or dword [esp], 0x100
        popfd
        sti
        nop
        cli
        mov ax, ss
        mov ss, ax
        nop
        push ss
        pop ss
        nop
        pushfd
        and dword [esp], ~0x100
        popfd
        PUTLN "instruction breakpoint right after MOV SS (not taken), right after STI (taken):"
        SETDR 0, m1, DR7_G(0)
        mov ax, ss
        mov ss, ax
m1:     nop
        SETDR 0, m2, DR7_G(0)
        sti
m2:     nop
        cli
        DBRESET
        PUTLN "data breakpoint on MOV SS, [mem]: reported after the next instruction, whose breakpoint is skipped:"
        mov [SCRATCH + 0x300], ss
        mov eax, m3
        mov dr1, eax
        SETDR 0, SCRATCH + 0x300, DR7_G(0) | DR7_RW(0, RW_RW) | DR7_LEN(0, LEN2) | DR7_G(1)
        mov ss, [SCRATCH + 0x300]
m3:     nop
        nop
        DBRESET

        ; ---- task switch into a TSS with the T bit: #DB (BT) before its first instruction -----------------
        PUTLN "task switch, T bit:"
        call init_tss_b
        jmp S_TSSB:0
back_from_b:
        PUTLN "task switch, T bit and an instruction breakpoint on the first instruction:"
        call init_tss_b
        SETDR 0, task_b, DR7_G(0)
        jmp S_TSSB:0
back_from_b2:
        DBRESET
        PUTLN "task switch with L0 L1 LE GE G2 set in DR7 (task B prints DR7):"
        call init_tss_b
        mov word [TSS_B + 0x64], 0      ; no T bit
        SETDR 7, 0, DR7_L(0) | DR7_L(1) | DR7_G(2) | 0x300 | DR7_RW(0, RW_W) | DR7_RW(1, RW_W) | DR7_RW(2, RW_W)
        jmp S_TSSB:0
back_from_b3:
        mov eax, dr7
        PUTVAL "  back in A: dr7", eax, 32
        call newline
        DBRESET
        FINISH

init_tss_b:
        mov edi, TSS_B
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [TSS_B + 0x20], task_b
        mov dword [TSS_B + 0x24], 2
        mov dword [TSS_B + 0x38], 0x1A0000
        mov dword [TSS_B + 0x4C], SEL_CODE0
        mov dword [TSS_B + 0x50], SEL_DATA0
        mov dword [TSS_B + 0x54], SEL_DATA0
        mov dword [TSS_B + 0x48], SEL_DATA0
        mov word [TSS_B + 0x64], 1      ; T
        mov word [TSS_B + 0x66], 0xFFFF
        SET_DESC S_TSSB, TSS_B, 103, 0x89, 0x0
        ret

task_b:
        str ax
        PUTVAL "  in B: tr", eax, 16
        mov eax, dr7
        PUTVAL " dr7", eax, 32
        call newline
        jmp SEL_TSS:0                   ; back to the main task, after its JMP

int40_handler:
        push eax
        PUTS "  INT 40h frame rf="
        mov eax, [esp + 12]
        shr eax, 16
        and eax, 1
        call puthex8
        call newline
        pop eax
        iretd

hotsub:
        inc ebx
hot_mid:
        add ebx, 2
        ret

align 4096
aliased:                                ; a routine alone on its page (mapped at ALIAS too)
        inc ebx
aliased_bp:
        add ebx, 2
        ret

; an instruction that starts 2 bytes before a page boundary
        times (0x1000 - (($ - $$) & 0xFFF)) - 2 db 0x90
straddle:
        mov eax, 0x11223344
        ret
