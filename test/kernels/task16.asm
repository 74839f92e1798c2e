; Task switches into a 16-bit TSS (SDM Vol. 3A 7.6: 16-bit TSS format): the 16-bit TSS holds only the low
; words of the general registers; entering such a task loads them and sets each upper word to FFFFh (as Bochs
; 2.7 does), FS and GS become null, and the upper EFLAGS bits follow; leaving it through JMP or IRET back to a
; 32-bit task restores that task's full registers.
%include "lib/kernel.inc"

TSS16    equ SCRATCH                    ; the 16-bit task's TSS (44 bytes)
S_TSS16  equ SEL_FREE
T16_CODE equ 0x8000                     ; the 16-bit task's code (IP is 16 bits): copied here
T16_OUT      equ 0x9000                     ; what the task saw: eax ecx edx ebx esp ebp esi edi eflags fs gs

%macro INIT_TSS16 1                     ; entry IP
        mov edi, TSS16
        xor eax, eax
        mov ecx, 11
        rep stosd
        mov word [TSS16 + 0x0E], %1     ; IP
        mov word [TSS16 + 0x10], 0x0002 ; FLAGS
        mov word [TSS16 + 0x12], 0x1111 ; AX CX DX BX SP BP SI DI
        mov word [TSS16 + 0x14], 0x2222
        mov word [TSS16 + 0x16], 0x3333
        mov word [TSS16 + 0x18], 0x4444
        mov word [TSS16 + 0x1A], 0xF000 ; SP
        mov word [TSS16 + 0x1C], 0x6666
        mov word [TSS16 + 0x1E], 0x7777
        mov word [TSS16 + 0x20], 0x8888
        mov word [TSS16 + 0x22], SEL_DATA0 ; ES
        mov word [TSS16 + 0x24], SEL_CODE0 ; CS
        mov word [TSS16 + 0x26], SEL_DATA0 ; SS
        mov word [TSS16 + 0x28], SEL_DATA0 ; DS
        SET_DESC S_TSS16, TSS16, 0x2B, 0x81, 0x0
%endmacro

%macro SET_A_REGS 0                     ; the outgoing task's registers, upper halves all different
        mov eax, 0xA1A10000
        mov ecx, 0xA2A20000
        mov edx, 0xA3A30000
        mov ebx, 0xA4A40000
        mov ebp, 0xA6A60000
        mov esi, 0xA7A70000
        mov edi, 0xA8A80000
        push dword 0x40002              ; AC
        popfd
        mov dx, SEL_DATA0
        mov fs, dx
        mov gs, dx
        mov edx, 0xA3A30000
%endmacro

main:
        mov esi, t16
        mov edi, T16_CODE
        mov ecx, t16_end - t16
        rep movsb

        TRY "jmp-to-16bit-tss"
        INIT_TSS16 T16_CODE + (t16_jmp_back - t16)
        SET_A_REGS
        jmp S_TSS16:0
        call show_back
        ENDTRY
        call show_task

        TRY "call-to-16bit-tss-iret-back"
        INIT_TSS16 T16_CODE + (t16_iret_back - t16)
        SET_A_REGS
        call S_TSS16:0
        call show_back
        ENDTRY
        call show_task
        PUTS "  16-bit TSS after: ip="
        movzx eax, word [TSS16 + 0x0E]
        call puthex16
        PUTS " flags="
        movzx eax, word [TSS16 + 0x10]
        call puthex16
        PUTS " ax="
        movzx eax, word [TSS16 + 0x12]
        call puthex16
        PUTS " sp="
        movzx eax, word [TSS16 + 0x1A]
        call puthex16
        PUTS " link="
        movzx eax, word [TSS16]
        call puthex16
        call newline
        FINISH

show_back:                              ; the registers of task A after it resumed (must be A's own)
        pushfd
        push edi
        push esi
        push ebp
        push ebx
        push edx
        push ecx
        push eax
        PUTS "  A after:"
        mov ecx, 7
.r:     call space
        pop eax
        call puthex32
        loop .r
        PUTS " eflags="
        pop eax
        call puthex32
        call newline
        ret

show_task:                              ; what the 16-bit task saw
        PUTS "  in task:"
        xor ecx, ecx
.r:     call space
        mov eax, [T16_OUT + ecx * 4]
        call puthex32
        inc ecx
        cmp ecx, 11
        jb .r
        call newline
        ret

; ---- the 16-bit task's code (32-bit code segment at base 0; runs at T16_CODE) ----
t16:
%macro T16_SAVE 0
        mov [T16_OUT + 0], eax
        mov [T16_OUT + 4], ecx
        mov [T16_OUT + 8], edx
        mov [T16_OUT + 12], ebx
        mov [T16_OUT + 16], esp
        mov [T16_OUT + 20], ebp
        mov [T16_OUT + 24], esi
        mov [T16_OUT + 28], edi
        mov esp, 0x9F00                 ; ESP's upper half is FFFFh: a usable stack for PUSHFD
        pushfd
        pop dword [T16_OUT + 32]
        mov dword [T16_OUT + 36], 0
        mov dword [T16_OUT + 40], 0
        mov [T16_OUT + 36], fs
        mov [T16_OUT + 40], gs
%endmacro
t16_jmp_back:
        T16_SAVE
        jmp SEL_TSS:0
t16_iret_back:
        T16_SAVE
        iret                            ; o32 IRET with NT=1: back to the linked task
t16_end:
