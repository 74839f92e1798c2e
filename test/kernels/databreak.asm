; Debug registers, part 2 (SDM Vol. 3B 17.2.5, 17.3.1.2): data and I/O breakpoints are traps reported after the
; instruction. Write and read/write breakpoints of 1, 2 and 4 bytes with the address aligned down by LEN, hit by
; unaligned accesses that overlap the range (and missed by adjacent ones); several B bits in one #DB, including a
; disabled breakpoint that matched; read-modify-write and stack accesses; REP STOS/MOVS stopped after the
; iteration that hit, with ECX/ESI/EDI of that point and EIP on the string instruction so that it resumes; a data
; breakpoint with single step (BS too) and before an instruction breakpoint; a faulting instruction reports no
; data breakpoint; breakpoints on linear addresses with paging (an alias of the page does not hit), at CPL 3
; and in V86 mode; I/O breakpoints with CR4.DE (IN/OUT, INS/OUTS, port ranges) and without it.
%include "lib/kernel.inc"
%include "lib/debug.inc"

DATA     equ SCRATCH + 0x1000           ; watched data (page 201000h)
ALIAS    equ 0x300000 + 0x1000          ; with paging: a second linear address of DATA's page
PGDIR    equ SCRATCH + 0x10000
PGTAB    equ SCRATCH + 0x11000
S_SMALL  equ SEL_FREE                   ; data segment whose limit ends inside DATA + 0x100
V86_SEG  equ 0x0800                     ; V86 code and data at 8000h

%macro CASE 1                           ; print the case name
        PUTLN %1
%endmacro

main:
        SET_GATE 1, SEL_CODE0, db_handler, 0x8E
        xor esi, esi                    ; printed by the handler: the loaders leave different values
        xor edi, edi

        ; ---- lengths, alignment, overlap -------------------------------------------------------------------
        CASE "write len1 at +8: byte +8 hits, byte +9 misses, word +7 hits, dword +5 hits:"
        SETDR 0, DATA + 8, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN1)
        mov byte [DATA + 8], 1
        mov byte [DATA + 9], 1
        mov word [DATA + 7], 1
        mov dword [DATA + 5], 1
        DBRESET
        CASE "write len2 at +0x11 (range +0x10..+0x11): byte +0x10 hits, +0x12 misses, dword +0xE hits:"
        SETDR 1, DATA + 0x11, DR7_L(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN2)
        mov byte [DATA + 0x10], 1
        mov byte [DATA + 0x12], 1
        mov dword [DATA + 0xE], 1
        DBRESET
        CASE "write len4 at +0x22 (range +0x20..+0x23): byte +0x23 hits, +0x24 misses, word +0x1F hits, dword +0x1C misses:"
        SETDR 2, DATA + 0x22, DR7_G(2) | DR7_RW(2, RW_W) | DR7_LEN(2, LEN4)
        mov byte [DATA + 0x23], 1
        mov byte [DATA + 0x24], 1
        mov word [DATA + 0x1F], 1
        mov dword [DATA + 0x1C], 1
        DBRESET
        CASE "write breakpoint, reads miss; read/write breakpoint, reads and writes hit:"
        SETDR 3, DATA + 0x30, DR7_G(3) | DR7_RW(3, RW_W) | DR7_LEN(3, LEN4)
        mov eax, [DATA + 0x30]
        cmp dword [DATA + 0x30], eax
        SETDR 3, DATA + 0x30, DR7_G(3) | DR7_RW(3, RW_RW) | DR7_LEN(3, LEN2)
        mov eax, [DATA + 0x2E]
        mov ax, [DATA + 0x32]
        mov al, [DATA + 0x31]
        mov [DATA + 0x30], al
        DBRESET
        CASE "read-modify-write ADD, XCHG, and a data breakpoint of R/W 00 (instruction type) does not hit data:"
        SETDR 0, DATA + 0x40, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4)
        add dword [DATA + 0x40], 1
        xchg [DATA + 0x42], al
        SETDR 0, DATA + 0x40, DR7_G(0)
        mov dword [DATA + 0x40], 1
        DBRESET
        CASE "four breakpoints, one disabled, all hit by one dword write:"
        mov eax, DATA + 0x50
        mov dr0, eax
        inc eax
        mov dr1, eax
        inc eax
        mov dr2, eax
        inc eax
        mov dr3, eax
        SETDR 7, 0, DR7_G(0) | DR7_G(1) | DR7_G(3) | DR7_RW(0, RW_W) | DR7_RW(1, RW_RW) | DR7_RW(2, RW_W) | DR7_RW(3, RW_RW)
        mov dword [DATA + 0x50], 1
        DBRESET
        ; (a match of the disabled one alone raises nothing; Bochs then keeps its B2 for the next #DB, which
        ; real parts do not promise either way, so that case is not printed here)
        CASE "stack: PUSH, CALL and the PUSH in DBRESET write the watched slot:"
        mov eax, esp
        sub eax, 4
        SETDR 0, eax, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4)
        push eax
        pop eax
        call .ret
        DBRESET

        ; ---- string instructions -------------------------------------------------------------------------
        mov byte [db_regs], 1
        CASE "REP STOSB, 16 bytes, write breakpoint on byte 5:"
        SETDR 0, DATA + 0x105, DR7_G(0) | DR7_RW(0, RW_W)
        mov edi, DATA + 0x100
        mov ecx, 16
        mov al, 0xAA
        cld
        rep stosb
        PUTVAL "  after: ecx", ecx, 32
        PUTVAL " edi", edi, 32
        call newline
        CASE "REP MOVSD, 8 dwords, read breakpoint (R/W 11, len 4) on source dword 3, handler without RF:"
        mov byte [db_rf], 0
        SETDR 1, DATA + 0x20C, DR7_G(1) | DR7_RW(1, RW_RW) | DR7_LEN(1, LEN4)
        mov esi, DATA + 0x200
        mov edi, DATA + 0x300
        mov ecx, 8
        rep movsd
        PUTVAL "  after: ecx", ecx, 32
        call newline
        mov byte [db_rf], 1
        CASE "REP STOSW backwards (DF=1), 4 words, len 2 breakpoint hit by the third:"
        SETDR 2, DATA + 0x406, DR7_G(2) | DR7_RW(2, RW_W) | DR7_LEN(2, LEN2)
        mov edi, DATA + 0x40A
        mov ecx, 4
        std
        rep stosw
        cld
        PUTVAL "  after: ecx", ecx, 32
        PUTVAL " edi", edi, 32
        call newline
        CASE "REP STOSB, 3 bytes, hit on the last iteration (EIP past the instruction):"
        SETDR 2, DATA + 0x412, DR7_G(2) | DR7_RW(2, RW_W)
        mov edi, DATA + 0x410
        mov ecx, 3
        rep stosb
        CASE "REP MOVSB with a breakpoint on the destination and one on the source of the same iteration:"
        mov eax, DATA + 0x503
        mov dr0, eax
        mov eax, DATA + 0x603
        mov dr3, eax
        SETDR 7, 0, DR7_G(0) | DR7_RW(0, RW_RW) | DR7_G(3) | DR7_RW(3, RW_W)
        mov esi, DATA + 0x500
        mov edi, DATA + 0x600
        mov ecx, 6
        rep movsb
        DBRESET

        ; ---- with single step, and before an instruction breakpoint ----------------------------------------
        CASE "data breakpoint and single step on the same instruction:"
        SETDR 1, DATA, DR7_G(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN4)
        pushfd
        or dword [esp], 0x100
        popfd
        mov [DATA], eax
        pushfd
        and dword [esp], ~0x100
        popfd
        DBRESET
        CASE "data breakpoint, then an instruction breakpoint on the next instruction:"
        mov eax, DATA
        mov dr0, eax
        mov eax, .next
        mov dr1, eax
        SETDR 7, 0, DR7_G(0) | DR7_RW(0, RW_W) | DR7_G(1)
        mov [DATA], eax
.next:  nop
        DBRESET

        ; ---- a faulting instruction reports no data breakpoint ---------------------------------------------
        mov byte [db_regs], 0
        CASE "MOVSD reads a watched dword, then its write faults (#GP, no #DB):"
        SET_DESC S_SMALL, 0, DATA + 0x100, 0x92, 0x4
        SETDR 0, DATA + 0x700, DR7_G(0) | DR7_RW(0, RW_RW) | DR7_LEN(0, LEN4)
        TRY "  movsd"
        mov ax, S_SMALL
        mov es, ax
        mov esi, DATA + 0x700
        mov edi, DATA + 0x100
        movsd
        ENDTRY
        DBRESET

        ; ---- paging: breakpoints are on linear addresses -------------------------------------------------
        CASE "paging, DATA page also mapped at ALIAS; breakpoint on DATA + 0x800:"
        IDENTITY_MAP_4M PGDIR, PGTAB, 3
        mov dword [PGTAB + (ALIAS >> 12) * 4], DATA | 3
        mov eax, PGDIR
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        SETDR 0, DATA + 0x800, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4)
        mov dword [ALIAS + 0x800], 1    ; the same byte through the alias: no hit
        mov dword [DATA + 0x800], 2
        PUTVAL "  alias reads", [ALIAS + 0x800], 32
        call newline
        CASE "  breakpoint on the alias address:"
        SETDR 0, ALIAS + 0x800, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4)
        mov dword [DATA + 0x800], 3
        mov dword [ALIAS + 0x800], 4
        DBRESET
        mov eax, cr0
        and eax, 0x7FFFFFFF
        mov cr0, eax

        CASE "ring 3: a CPL 3 store hits a write breakpoint:"
        SETDR 0, DATA + 0xA00, DR7_G(0) | DR7_RW(0, RW_W) | DR7_LEN(0, LEN4)
        TRY "  back from ring 3"
        RING3 2
        mov dword [DATA + 0xA02], 1
        RING0
        ENDTRY
        DBRESET

        ; ---- V86 mode: breakpoints on linear addresses segment * 16 + offset -----------------------------------
        CASE "V86 mode: instruction breakpoint at 0800:0001 (linear 8001h), write breakpoint at 0800:0100 (8100h):"
        mov esi, v86_blob
        mov edi, V86_SEG * 16
        mov ecx, v86_end - v86_blob
        rep movsb
        mov eax, V86_SEG * 16 + (v86_bp - v86_blob)
        mov dr0, eax
        mov eax, V86_SEG * 16 + 0x100
        mov dr1, eax
        SETDR 7, 0, DR7_G(0) | DR7_G(1) | DR7_RW(1, RW_W) | DR7_LEN(1, LEN2)
        TRY "  back from V86"
        push dword V86_SEG              ; GS FS DS ES
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG              ; SS:SP
        push dword 0xFFF0
        push dword 0x23002              ; VM, IOPL 3 (INT 30h returns to ring 0)
        push dword V86_SEG              ; CS:IP
        push dword 0
        iretd
        ENDTRY
        DBRESET

        ; ---- I/O breakpoints -----------------------------------------------------------------------------
        CASE "I/O breakpoint without CR4.DE (no hit):"
        SETDR 2, 0x80, DR7_G(2) | DR7_RW(2, RW_IO)
        out 0x80, al
        DBRESET
        mov eax, cr4
        or eax, 8
        mov cr4, eax
        CASE "CR4.DE, port 80h len 1: OUT 80h, IN 80h hit, OUT 81h misses:"
        SETDR 2, 0x80, DR7_G(2) | DR7_RW(2, RW_IO)
        out 0x80, al
        in al, 0x80
        out 0x81, al
        CASE "port 81h len 2 (80h-81h): OUT DX=80h word, OUT DX=7Fh word hit, OUT DX=82h misses:"
        SETDR 2, 0x81, DR7_G(2) | DR7_RW(2, RW_IO) | DR7_LEN(2, LEN2)
        mov dx, 0x80
        out dx, ax
        mov dx, 0x7F
        out dx, ax
        mov dx, 0x82
        out dx, al
        CASE "REP OUTSB, 2 bytes to port 80h (each iteration hits), REP INSB 1 byte:"
        SETDR 2, 0x80, DR7_G(2) | DR7_RW(2, RW_IO)
        mov byte [db_regs], 1
        mov dx, 0x80
        mov esi, DATA + 0x900
        mov ecx, 2
        rep outsb
        mov edi, DATA + 0x900
        mov ecx, 1
        rep insb
        DBRESET
        mov eax, cr4
        and eax, ~8
        mov cr4, eax
        FINISH

.ret:   ret

bits 16
v86_blob:                               ; copied to V86_SEG:0
        nop
v86_bp: nop
        mov byte [0x101], 1
        nop
        int 0x30
v86_end:
bits 32
