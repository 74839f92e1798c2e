; Protected-mode segmentation (SDM Vol. 3A 5.3-5.6, 3.4.5; instruction pages of MOV, LAR, LSL, VERR/VERW):
; limit checks (expand-up, expand-down, byte/page granular), writes to read-only and code segments, null
; selectors, #GP/#SS/#NP error codes on segment loads, and LAR/LSL/VERR/VERW.
%include "lib/kernel.inc"

DATA_AT  equ SCRATCH                    ; test data area

S_LIM    equ SEL_FREE + 0x00            ; data RW, limit 0FFFh, byte granular
S_EDOWN  equ SEL_FREE + 0x08            ; data RW expand-down, limit 0FFFh, B=0 (valid 1000h-FFFFh)
S_RO     equ SEL_FREE + 0x10            ; data read-only
S_XO     equ SEL_FREE + 0x18            ; code execute-only
S_XR     equ SEL_FREE + 0x20            ; code execute/read
S_NP     equ SEL_FREE + 0x28            ; data, not present
S_STK    equ SEL_FREE + 0x30            ; stack: RW, base 0, limit 1BFFFFh (page granular)
S_DPL3   equ SEL_FREE + 0x38            ; data DPL 3
S_EDOWN32 equ SEL_FREE + 0x40           ; data RW expand-down, B=1, limit 0FFFh (valid 1000h-FFFFFFFFh)
S_PGRAN  equ SEL_FREE + 0x48            ; data RW, limit 0 page granular (valid 0-0FFFh)
S_SYS    equ SEL_FREE + 0x50            ; an LDT descriptor (system segment)

main:
        SET_DESC S_LIM, DATA_AT, 0xFFF, 0x92, 0x4
        SET_DESC S_EDOWN, DATA_AT, 0xFFF, 0x96, 0x0
        SET_DESC S_RO, DATA_AT, 0xFFFF, 0x90, 0x4
        SET_DESC S_XO, 0, 0xFFFFF, 0x98, 0xC
        SET_DESC S_XR, 0, 0xFFFFF, 0x9A, 0xC
        SET_DESC S_NP, DATA_AT, 0xFFFF, 0x12, 0x4
        SET_DESC S_STK, 0, 0x1BF, 0x92, 0xC
        SET_DESC S_DPL3, DATA_AT, 0xFFFF, 0xF2, 0x4
        SET_DESC S_EDOWN32, 0, 0xFFF, 0x96, 0x4
        SET_DESC S_PGRAN, DATA_AT, 0, 0x92, 0x8
        SET_DESC S_SYS, DATA_AT, 0xFF, 0x82, 0x0
        mov dword [DATA_AT + 0xFFC], 0x11223344

        ; ---- expand-up limits -----------------------------------------------------------------------
        mov ax, S_LIM
        mov es, ax
        TRY "limit-last-dword"
        mov eax, [es:0xFFC]
        ENDTRY
        TRY "limit-dword-crosses"
        mov eax, [es:0xFFD]
        ENDTRY
        TRY "limit-byte-beyond"
        mov byte [es:0x1000], 1
        ENDTRY
        TRY "limit-page-granular-ok"
        mov ax, S_PGRAN
        mov es, ax
        mov eax, [es:0xFFC]
        ENDTRY
        TRY "limit-page-granular-beyond"
        mov ax, S_PGRAN
        mov es, ax
        mov eax, [es:0x1000]
        ENDTRY

        ; ---- expand-down ------------------------------------------------------------------------------
        TRY "edown-lowest-valid"
        mov ax, S_EDOWN
        mov es, ax
        mov eax, [es:0x1000]
        ENDTRY
        TRY "edown-at-limit"
        mov ax, S_EDOWN
        mov es, ax
        mov eax, [es:0xFFF]
        ENDTRY
        TRY "edown-16bit-top"
        mov ax, S_EDOWN
        mov es, ax
        mov eax, [es:0xFFFE]            ; B=0: upper bound FFFFh
        ENDTRY
        TRY "edown-32bit-high"
        mov ax, S_EDOWN32
        mov es, ax
        mov eax, [es:0x100000]          ; B=1: upper bound FFFFFFFFh
        ENDTRY

        ; ---- read-only, code and null segments --------------------------------------------------------
        TRY "ro-read"
        mov ax, S_RO
        mov es, ax
        mov eax, [es:0]
        ENDTRY
        TRY "ro-write"
        mov ax, S_RO
        mov es, ax
        mov [es:0], eax
        ENDTRY
        TRY "cs-write"
        mov [cs:DATA_AT], eax           ; code segments are never writable
        ENDTRY
        TRY "load-ds-exec-only"
        mov ax, S_XO
        mov ds, ax
        ENDTRY
        TRY "load-ds-exec-read"
        mov ax, S_XR
        mov ds, ax
        mov eax, [DATA_AT + 0xFFC]
        ENDTRY
        TRY "load-ss-exec-read"
        mov ax, S_XR
        mov ss, ax
        ENDTRY
        TRY "load-ss-read-only"
        mov ax, S_RO
        mov ss, ax
        ENDTRY
        TRY "null-ds-load"
        xor eax, eax
        mov ds, ax                      ; loading a null selector is allowed
        ENDTRY
        TRY "null-ds-use"
        xor eax, eax
        mov ds, ax
        mov eax, [DATA_AT]
        ENDTRY
        TRY "null-fs-write"
        mov ax, 3                       ; null with RPL 3
        mov fs, ax
        mov [fs:DATA_AT], eax
        ENDTRY
        TRY "null-ss-load"
        xor eax, eax
        mov ss, ax
        ENDTRY

        ; ---- error codes on loads ---------------------------------------------------------------------
        TRY "load-not-present"
        mov ax, S_NP
        mov es, ax
        ENDTRY
        TRY "load-ss-not-present"
        mov ax, S_NP
        mov ss, ax
        ENDTRY
        TRY "load-beyond-gdt"
        mov ax, GDT_ENTRIES * 8 + 3
        mov es, ax
        ENDTRY
        TRY "load-ldt-null-ldtr"
        mov ax, 0x0C                    ; TI=1 with a null LDTR
        mov es, ax
        ENDTRY
        TRY "load-system-seg"
        mov ax, S_SYS
        mov es, ax
        ENDTRY
        TRY "load-ss-rpl-mismatch"
        mov ax, SEL_DATA0 | 3
        mov ss, ax
        ENDTRY
        TRY "load-ss-dpl3"
        mov ax, S_DPL3
        mov ss, ax
        ENDTRY
        TRY "load-ds-rpl3-dpl0"
        mov ax, SEL_DATA0 | 3           ; DPL 0 < max(CPL, RPL) = 3
        mov ds, ax
        ENDTRY

        ; ---- stack segment limit: #SS(0) --------------------------------------------------------------
        TRY "ss-limit"
        mov ax, S_STK
        mov ss, ax
        mov ebp, 0x1C0000
        mov eax, [ebp]                  ; SS-relative through EBP
        ENDTRY
        TRY "ss-limit-ok"
        mov ax, S_STK
        mov ss, ax
        mov ebp, 0x1BFFFC
        mov eax, [ebp]
        ENDTRY

        ; ---- LAR / LSL / VERR / VERW ------------------------------------------------------------------
        mov esi, probe_sels
.probe:
        movzx ebx, word [esi]
        cmp ebx, 0xFFFF
        je .probed
        PUTS "probe "
        mov eax, ebx
        call puthex16
        mov eax, 0xDEADBEEF
        lar eax, bx
        pushfd
        PUTS " lar="
        call puthex32
        pop eax
        call print_zf
        mov eax, 0xDEADBEEF
        lsl eax, bx
        pushfd
        PUTS " lsl="
        call puthex32
        pop eax
        call print_zf
        verr bx
        pushfd
        PUTS " verr"
        pop eax
        call print_zf
        verw bx
        pushfd
        PUTS " verw"
        pop eax
        call print_zf
        call newline
        add esi, 2
        jmp .probe
.probed:
        FINISH

print_zf:                               ; eax = EFLAGS: print "+" if ZF else "-"
        test eax, 0x40
        jz .no
        PUTS "+"
        ret
.no:    PUTS "-"
        ret

probe_sels:
        dw SEL_CODE0, SEL_DATA0, SEL_CODE3, SEL_DATA3, SEL_TSS, S_LIM, S_EDOWN, S_RO, S_XO, S_XR, S_NP
        dw S_DPL3, S_PGRAN, S_SYS, S_DPL3 | 3, SEL_DATA0 | 3, 0, 0x0C, GDT_ENTRIES * 8
        dw 0xFFFF
