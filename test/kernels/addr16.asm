; 16-bit addressing (SDM Vol. 2A 2.1.5; Vol. 1 3.7.5): an effective address wraps at 64 KiB, and so do the later
; parts of an operand read or written in parts - the selector of a far pointer, BOUND's upper bound, the base of
; LGDT/SGDT - where a single access that runs past the limit faults instead (Bochs 2.7 is the oracle).
%include "lib/kernel.inc"

S_CODE16 equ SEL_FREE                   ; 16-bit code segment based at code16
S_DATA16 equ SEL_FREE + 8               ; 16-bit data segment, limit FFFFh, at WIN
WIN      equ 0x300000

%macro RUN16 1                          ; run the 16-bit routine %1 (ends with a far return to 32-bit code)
        push dword SEL_CODE0
        push dword %%back
        jmp S_CODE16:(%1 - code16)
%%back:
%endmacro

main:
        SET_DESC S_CODE16, code16, 0xFFFF, 0x9A, 0x0
        SET_DESC S_DATA16, WIN, 0xFFFF, 0x92, 0x0
        mov dword [WIN + 0xFFFC], 0x12340010      ; at FFFEh: 1234h; at 0000h (wrapped): the dword below
        mov dword [WIN + 0x0000], 0x00000028
        mov dword [WIN + 0x0004], 0x00000000
        TRY "lds-selector-wraps"
        RUN16 t_lds
        ENDTRY
        call show
        TRY "les-o32-selector-wraps"
        RUN16 t_les32
        ENDTRY
        call show
        TRY "bound-upper-wraps"
        RUN16 t_bound
        ENDTRY
        call show
        TRY "sgdt-base-wraps"
        RUN16 t_sgdt
        ENDTRY
        PUTVAL "  [FFFC]", dword [WIN + 0xFFFC], 32
        PUTVAL " [0000]", dword [WIN + 0], 32
        call newline
        mov dword [WIN + 0xFFFC], 0x12340010
        mov dword [WIN + 0x0000], 0x00000028
        TRY "lgdt-base-wraps"
        RUN16 t_lgdt
        ENDTRY
        movzx eax, word [WIN + 0x100]
        PUTVAL "  gdtr limit", eax, 16
        PUTVAL " base", dword [WIN + 0x102], 32
        call newline
        TRY "jmp-far-selector-wraps"
        RUN16 t_jmpf
        ENDTRY
        TRY "mov-dword-at-fffe-faults"
        RUN16 t_dword
        ENDTRY
        TRY "cmpxchg8b-at-fffc-faults"
        RUN16 t_cx8
        ENDTRY
        TRY "a32-far-pointer-no-wrap"
        RUN16 t_a32
        ENDTRY
        FINISH

show:
        PUTVAL "  eax", [res + 0], 32
        PUTVAL " sel", [res + 4], 32
        call newline
        ret

res: dd 0, 0

align 16
code16:
bits 16
t_lds:
        mov ax, S_DATA16
        mov ds, ax
        mov si, 0xFFFE
        lds ax, [si]                    ; offset at FFFEh, selector at (FFFEh + 2) & FFFFh = 0
        jmp t_save
t_les32:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFC
        les eax, [bx]                   ; offset dword at FFFCh, selector at 0
        mov ax, es
        mov bx, ax
        jmp t_save2
t_bound:
        mov ax, S_DATA16
        mov ds, ax
        mov ax, 0x20
        mov di, 0xFFFE
        bound ax, [di]                  ; lower at FFFEh (1234h), upper at 0 (0028h): 20h < 1234h: #BR
        jmp t_save
t_sgdt:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFE
        o32 sgdt [bx]                   ; limit at FFFEh, base at 0
        jmp t_save
t_lgdt:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFE
        o32 lgdt [bx]                   ; limit 1234h at FFFEh, base at 0: 00000028h
        o32 sgdt [0x100]                ; DS still holds its cached descriptor
        o32 lgdt [cs:gdt_copy - code16]
        jmp t_save
t_jmpf:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFE
        jmp far [bx]                    ; offset 1234h, selector 0028h (the TSS: a task switch is refused, #GP)
t_dword:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFE
        mov eax, [bx]                   ; one access past the limit: #GP(0)
        jmp t_save
t_cx8:
        mov ax, S_DATA16
        mov ds, ax
        mov bx, 0xFFFC
        cmpxchg8b [bx]
        jmp t_save
t_a32:
        mov ax, S_DATA16
        mov ds, ax
        mov ebx, 0xFFFE
        lds ax, [ebx]                   ; 32-bit addressing: the selector at 10000h is past the limit
        jmp t_save
t_save:
        mov bx, ds
t_save2:
        push word SEL_DATA0
        pop ds
        mov [dword res], eax
        mov [dword res + 4], ebx
        o32 retf
gdt_copy: dw GDT_ENTRIES * 8 - 1
          dd gdt
bits 32
