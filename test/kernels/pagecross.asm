; Accesses that cross a page boundary (SDM Vol. 3A 4.7: CR2 holds the linear address that caused the fault): when
; the second page is not present or not writable, CR2 is the first byte of that page, not the last byte of the
; access; when the first page faults, CR2 is the access's first byte. Every multi-byte path: reads, writes,
; read-modify-write, string instructions, pushes, PUSHA, ENTER frames, far calls, far-pointer loads, CMPXCHG8B,
; BOUND, x87 stores, descriptor-table reads and instruction fetch.
%include "lib/kernel.inc"

PD       equ SCRATCH                    ; page directory
PT0      equ SCRATCH + 0x1000           ; page table for 0-4 MiB
PA       equ 0x300000                   ; present; PB after it is not present
PB       equ 0x301000
PC       equ 0x302000                   ; not present; PD2 after it is present
PD2      equ 0x303000
PE       equ 0x304000                   ; present; PF after it is read-only
PF       equ 0x305000
%define PTE(a) (PT0 + ((a) >> 12) * 4)
S_LDT    equ SEL_FREE                   ; an LDT whose first descriptor straddles PA/PB
S_CALL3  equ SEL_FREE + 8               ; ring-3 call target for the far-call frame test

main:
        IDENTITY_MAP_4M PD, PT0, 7
        mov dword [PTE(PB)], 0
        mov dword [PTE(PC)], 0
        mov dword [PTE(PF)], PF | 5     ; user, read-only
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80010000              ; PG | WP
        mov cr0, eax
        jmp .on
.on:
        PUTLN "paging on"

        ; ---- reads ----
        TRY "read32-second-page"
        mov eax, [PB - 2]
        ENDTRY
        TRY "read16-second-page"
        mov ax, [PB - 1]
        ENDTRY
        TRY "read32-second-page-last-byte"
        mov eax, [PB - 3]
        ENDTRY
        TRY "read32-first-page"
        mov eax, [PD2 - 2]
        ENDTRY
        TRY "movzx16-second-page"
        movzx eax, word [PB - 1]
        ENDTRY
        TRY "read-user-second-page"
        RING3 0x3002
        mov eax, [PB - 2]
        RING0
        ENDTRY
        ; ---- writes ----
        TRY "write32-second-page"
        mov dword [PB - 2], 1
        ENDTRY
        TRY "write16-second-page"
        mov word [PB - 1], 1
        ENDTRY
        TRY "write32-first-page"
        mov dword [PD2 - 1], 1
        ENDTRY
        TRY "write32-readonly-second-page"
        mov dword [PF - 2], 1
        ENDTRY
        TRY "write32-readonly-user"
        RING3 0x3002
        mov dword [PF - 3], 1
        RING0
        ENDTRY
        ; ---- read-modify-write ----
        TRY "add-rmw-second-page"
        add [PB - 2], eax
        ENDTRY
        TRY "add-rmw-readonly-second-page"
        add [PF - 2], eax
        ENDTRY
        TRY "xchg-readonly-second-page"
        xchg [PF - 1], ax
        ENDTRY
        TRY "inc-rmw-first-page"
        inc dword [PD2 - 3]
        ENDTRY
        TRY "cmpxchg8b-second-page"
        cmpxchg8b [PB - 6]
        ENDTRY
        TRY "cmpxchg8b-readonly-second-page"
        xor eax, eax
        xor edx, edx
        cmpxchg8b [PF - 2]
        ENDTRY
        ; ---- string instructions ----
        TRY "movsd-source-second-page"
        mov esi, PB - 2
        mov edi, PE
        movsd
        ENDTRY
        TRY "movsd-dest-readonly"
        mov esi, PE
        mov edi, PF - 1
        movsd
        ENDTRY
        TRY "rep-stosw-into-second-page"
        mov edi, PB - 8
        mov ecx, 10
        rep stosw
        PUTVAL "  ecx", ecx, 32
        call newline
        ENDTRY
        TRY "rep-movsd-source-crossing"
        mov esi, PB - 7
        mov edi, PE
        mov ecx, 4
        rep movsd
        ENDTRY
        TRY "lodsd-second-page"
        mov esi, PB - 1
        lodsd
        ENDTRY
        TRY "cmpsd-second-page"
        mov esi, PE
        mov edi, PB - 2
        cmpsd
        ENDTRY
        TRY "std-rep-stosd-down-into-first-page"
        std
        mov edi, PD2 + 6
        mov ecx, 4
        rep stosd
        cld
        ENDTRY
        ; ---- far pointers, BOUND ----
        TRY "les-selector-second-page"
        les eax, [PB - 4]
        ENDTRY
        TRY "lds-offset-crossing"
        lds eax, [PB - 2]
        ENDTRY
        TRY "lss16-crossing"
        lss ax, [PB - 3]
        ENDTRY
        TRY "bound-upper-second-page"
        xor eax, eax
        bound eax, [PB - 6]
        ENDTRY
        TRY "jmp-far-indirect-selector-second-page"
        jmp far [PB - 4]
        ENDTRY
        TRY "jmp-far-indirect-offset-crossing"
        jmp far [PB - 2]
        ENDTRY
        TRY "call-far-indirect-offset-crossing"
        call far [PB - 2]
        ENDTRY
        TRY "lgdt-base-crossing"
        lgdt [PB - 3]
        ENDTRY
        ; ---- x87 ----
        TRY "fld-m64-second-page"
        fld qword [PB - 4]
        ENDTRY
        TRY "fstp-m80-readonly"
        fninit
        fldpi
        fstp tword [PF - 6]
        ENDTRY
        TRY "fld-m80-crossing"
        fld tword [PB - 9]
        ENDTRY
        ; ---- the stack (ring 3, so the exception frame goes to the ring-0 stack) ----
        TRY "push32-first-page"
        RING3 0x3002
        mov esp, PD2 + 2
        push eax
        RING0
        ENDTRY
        TRY "push32-readonly"
        RING3 0x3002
        mov esp, PF + 2
        push eax
        RING0
        ENDTRY
        TRY "push32-below-readonly"
        RING3 0x3002
        mov esp, PF + 0x1000
        push eax
        push eax
        RING0
        ENDTRY
        TRY "pusha-crossing-first-page"
        RING3 0x3002
        mov esp, PD2 + 6
        pushad
        RING0
        ENDTRY
        TRY "pop-second-page"
        RING3 0x3002
        mov esp, PB - 2
        pop eax
        RING0
        ENDTRY
        TRY "popa-second-page"
        RING3 0x3002
        mov esp, PB - 30
        popad
        RING0
        ENDTRY
        TRY "call-near-crossing"
        RING3 0x3002
        mov esp, PD2 + 1
        call .target
.target:
        RING0
        ENDTRY
        TRY "enter-frame-first-page"
        RING3 0x3002
        mov esp, PD2 + 4
        mov ebp, PD2 + 0x800
        enter 0, 3
        RING0
        ENDTRY
        TRY "enter-final-esp-not-present"
        RING3 0x3002
        mov esp, PD2 + 8
        mov ebp, PD2 + 0x800
        enter 0x10, 0                   ; push at PD2+4; the final ESP (PC+FF4h) is not present
        RING0
        ENDTRY
        TRY "enter-final-esp-readonly"
        RING3 0x3002
        mov esp, PF + 0x1000 + 8
        enter 0x20, 1                   ; frame on the page above PF; the final ESP is on read-only PF
        RING0
        ENDTRY
        TRY "ret-imm-crossing"
        RING3 0x3002
        mov esp, PB - 3
        ret 8
        ENDTRY
        ; ---- descriptor tables ----
        SET_DESC S_LDT, PB - 4, 0xFFFF, 0x82, 0x0
        mov dword [PB - 4], 0x0000FFFF  ; descriptor 0's low dword; its high dword is on PB
        mov ax, S_LDT
        lldt ax
        TRY "ldt-descriptor-second-half"
        mov ax, 0x04                    ; LDT index 0
        mov ds, ax
        ENDTRY
        SET_DESC S_LDT, PB - 6, 0xFFFF, 0x82, 0x0
        lldt [.ldtsel]
        TRY "ldt-descriptor-crossing-dword"
        mov ax, 0x04
        mov es, ax
        ENDTRY
        TRY "lar-crossing"
        lar eax, [.ldt4]
        ENDTRY
        xor eax, eax
        lldt ax
        ; ---- instruction fetch ----
        mov byte [PB - 2], 0xB8         ; mov eax, imm32: 2 bytes on PA, 3 on PB
        mov byte [PB - 1], 0x11
        TRY "fetch-crossing"
        mov eax, PB - 2
        jmp eax
        ENDTRY
        mov byte [PB - 1], 0xC3         ; ret: the whole instruction is on PA
        mov byte [PB - 2], 0x90
        TRY "fetch-ends-at-page-end"
        mov eax, PB - 2
        call eax
        ENDTRY
        FINISH
.ldtsel: dw S_LDT
.ldt4:   dd 0x04
