; Task switching (SDM Vol. 3A 7.3-7.4): JMP and CALL to a TSS, IRET with NT back along the back link, task gates
; in the IDT reached by INT n and by an exception (with its error code on the new task's stack), busy bits,
; the back link and NT, and the checks: JMP to a busy TSS, IRET to a non-busy task.
%include "lib/kernel.inc"

TSS_B    equ SCRATCH                    ; TSSes of the other tasks (104 bytes each)
TSS_C    equ SCRATCH + 0x100
TSS_D    equ SCRATCH + 0x200
S_TSSB   equ SEL_FREE + 0x00
S_TSSC   equ SEL_FREE + 0x08
S_TSSD   equ SEL_FREE + 0x10

%macro INIT_TSS 4                       ; selector, address, entry, stack top
        mov edi, %2
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [%2 + 0x20], %3       ; EIP
        mov dword [%2 + 0x24], 2        ; EFLAGS
        mov dword [%2 + 0x38], %4       ; ESP
        mov dword [%2 + 0x4C], SEL_CODE0
        mov dword [%2 + 0x50], SEL_DATA0
        mov dword [%2 + 0x54], SEL_DATA0
        mov dword [%2 + 0x48], SEL_DATA0
        mov word [%2 + 0x66], 0xFFFF
        SET_DESC %1, %2, 103, 0x89, 0x0
%endmacro

main:
        TRY "jmp-to-tss"
        INIT_TSS S_TSSB, TSS_B, task_b, 0x1A0000
        mov ebx, 0x12345678
        jmp S_TSSB:0
        PUTS "  back in A: ebx="
        mov eax, ebx
        call puthex32
        PUTS " busyB="
        mov eax, S_TSSB
        call print_busy
        call newline
        ENDTRY

        TRY "call-to-tss"
        INIT_TSS S_TSSC, TSS_C, task_c, 0x1A0000
        call S_TSSC:0
        call after_nested
        ENDTRY

        TRY "int-task-gate"
        INIT_TSS S_TSSC, TSS_C, task_c, 0x1A0000
        SET_GATE 0x50, S_TSSC, 0, 0x85
        int 0x50
        call after_nested
        ENDTRY

        TRY "exception-task-gate"
        INIT_TSS S_TSSD, TSS_D, task_d, 0x1A0000
        SET_GATE 13, S_TSSD, 0, 0x85
        mov ax, 0x77
        mov ds, ax                      ; #GP(74h) through the task gate
        PUTLN "  resumed after the fault"
        ENDTRY
        mov eax, [exc_stubs + 13 * 4]
        SET_GATE 13, SEL_CODE0, eax, 0x8E

        TRY "jmp-to-busy-tss"
        jmp SEL_TSS:0
        ENDTRY

        TRY "iret-nt-to-non-busy"
        INIT_TSS S_TSSB, TSS_B, task_b, 0x1A0000
        mov word [main_tss], S_TSSB     ; back link to a task that is not busy
        pushfd
        or dword [esp], 0x4000          ; NT
        popfd
        iretd
        ENDTRY
        FINISH

after_nested:                           ; A after returning from a nested task
        PUTS "  back in A: nt="
        pushfd
        pop eax
        shr eax, 14
        and eax, 1
        call puthex8
        PUTS " busyC="
        mov eax, S_TSSC
        call print_busy
        call newline
        ret

print_busy:                             ; eax = TSS selector
        movzx eax, byte [gdt + eax + 5]
        shr eax, 1
        and eax, 1
        call puthex8
        ret

print_task_state:                       ; common report of a task's view
        PUTS " tr="
        str ax
        call puthex16
        PUTS " link="
        movzx eax, word [ebx]
        call puthex16
        PUTS " nt="
        pushfd
        pop eax
        shr eax, 14
        and eax, 1
        call puthex8
        PUTS " busyA="
        mov eax, SEL_TSS
        call print_busy
        call newline
        ret

task_b:
        PUTS "  in B:"
        mov ebx, TSS_B
        call print_task_state
        jmp SEL_TSS:0                   ; back to A, which continues after its JMP

task_c:
        PUTS "  in C:"
        mov ebx, TSS_C
        call print_task_state
        iretd                           ; NT=1: return to the back link

task_d:
        pop eax                         ; the exception's error code
        PUTS "  in D: code="
        call puthex16
        PUTS " A.eip="
        mov eax, [main_tss + 0x20]
        call puthex32
        mov ebx, TSS_D
        call print_task_state
        add dword [main_tss + 0x20], 2  ; skip the faulting MOV DS,AX
        mov dword [main_tss + 0x54], SEL_DATA0
        iretd
