; Runner of the protected-mode differential tests (test/pmdiff/): for each case of the table (generate.ts), enter
; ring 3 or virtual-8086 mode through IRETD with the case's CS, SS:ESP, EFLAGS, data segment registers and general
; registers, run the instruction (followed by `int 31h`), catch whatever ends it (the exit, or an exception) and
; print one line:
;   NNNNN vVV eEEEE iEIP cCS fEFLAGS sESP tSS a.. c.. d.. b.. p.. si.. di.. DS ES FS GS rCR2 [mOFFS=VALUE ...]
;   [kOFFS=VALUE ...]
; where the m entries are the dwords of the 64 KiB data area that changed and the k entries those of the code
; area (both restored afterwards). Paging is on: only the data and code areas are user pages, so a test that
; reaches anything else (a V86 segment anywhere in the first megabyte, a flat selector) gets #PF, not the runner.
; Built by run.ts with -DCASES="file" -DNCASES=n -DPATTERN_FILE="file".
%include "lib/kernel.inc"

DATA     equ 0x60000                    ; the tests' data segment (DS, ES, SS ...; V86 segment 6000h)
CODE     equ 0x70000                    ; the tests' code segment, INT3 filler (V86 segment 7000h)
PD       equ SCRATCH                    ; page directory and the table for 0-4 MiB
VTSS     equ SCRATCH + 0x10000          ; the TSS the tests run under
S_VTSS   equ 0x80
PT0      equ SCRATCH + 0x1000
CODE_OFF equ 0x8000
PATTERN  equ 0x300000                   ; the data area's initial contents (inside the identity-mapped 4 MiB)
CASE_SIZE equ 68

%macro CASE_GATE 2                      ; vector, access byte
        SET_GATE %1, SEL_CODE0, cstub_ %+ %1, %2
%endmacro

main:
        ; the GDT of the tests (selectors in generate.ts SEL)
        SET_DESC 0x30, CODE, 0xFFFF, 0xFA, 0x0  ; 16-bit code, DPL 3
        SET_DESC 0x38, DATA, 0xFFFF, 0xF2, 0x0  ; 16-bit data, DPL 3
        SET_DESC 0x40, DATA, 0xFFFF, 0xF2, 0x4  ; data with B=1 (a 32-bit stack), DPL 3
        SET_DESC 0x48, CODE, 0xFFFF, 0xFA, 0x4  ; 32-bit code, DPL 3
        SET_DESC 0x50, DATA, 0x7FFF, 0xF6, 0x0  ; expand-down data (valid 8000h-FFFFh), DPL 3
        SET_DESC 0x58, DATA, 0xFFFF, 0x92, 0x0  ; data, DPL 0
        SET_DESC 0x60, DATA, 0xFFFF, 0x72, 0x0  ; not present, DPL 3
        SET_DESC 0x68, DATA, 0xFFFF, 0xF0, 0x0  ; read-only data, DPL 3
        SET_DESC 0x70, CODE, 0xFFFF, 0x9E, 0x0  ; conforming readable code, DPL 0
        SET_DESC 0x78, CODE, 0xFFFF, 0xF8, 0x0  ; execute-only code, DPL 3
%assign v 0
%rep 32
        CASE_GATE v, 0x8E
%assign v v + 1
%endrep
        CASE_GATE 0x30, 0x8E
        CASE_GATE 0x31, 0xEE                    ; the exit: open to ring 3
        ; a TSS with an interrupt redirection bitmap (32 bytes from the pattern) and an I/O bitmap that denies
        ; every port (SDM Vol. 3A 20.3.3): V86 INT n with CR4.VME follows table 20-2; no test reaches a device
        mov edi, VTSS
        xor eax, eax
        mov ecx, 26
        rep stosd
        mov dword [VTSS + 4], ISTACK_TOP
        mov dword [VTSS + 8], SEL_DATA0
        mov word [VTSS + 0x66], 104 + 32
        mov esi, pattern + 0x100
        mov edi, VTSS + 104
        mov ecx, 8
        rep movsd
        or byte [VTSS + 104 + 0x31 / 8], 1 << (0x31 & 7) ; the exit is never redirected (its pushed FLAGS would
                                        ; carry the flags the test's instruction left undefined)
        mov edi, VTSS + 104 + 32
        mov ecx, 8192 / 4
        mov eax, 0xFFFFFFFF
        rep stosd
        mov byte [edi], 0xFF
        SET_DESC S_VTSS, VTSS, 104 + 32 + 8192, 0x89, 0x0
        mov ax, S_VTSS
        ltr ax
        ; the real-mode vector table that redirected V86 interrupts use: vector n at 7000h:F000h+16n, the
        ; not-present last code page (the #PF tells which vector ran and the frame is in the data area)
        xor edi, edi
        xor ecx, ecx
.ivt:   lea eax, [0x7000F000 + ecx * 8]
        lea eax, [eax + ecx * 8]
        mov [edi + ecx * 4], eax
        inc ecx
        cmp ecx, 256
        jb .ivt
        ; paging: identity, supervisor-only except the data and code areas
        IDENTITY_MAP_4M PD, PT0, 3
        mov dword [PD], PT0 | 7
        mov edi, PT0 + (DATA >> 12) * 4
        mov ecx, 0x20
.user:  or dword [edi], 4
        add edi, 4
        loop .user
        ; the last page of each area is special: data F000h-FFFFh is read-only for the tests, code F000h-FFFFh is
        ; not present (page faults with CR2 from pushes near the top of the stack, crossing writes, far jumps)
        and dword [PT0 + ((DATA + 0xF000) >> 12) * 4], ~2
        and dword [PT0 + ((CODE + 0xF000) >> 12) * 4], ~1
        mov eax, PD
        mov cr3, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .paged
.paged:
        ; code segment: INT3 everywhere; data: the pattern
        mov edi, CODE
        mov ecx, 0x3C00                 ; (the last page is not present)
        mov eax, 0xCCCCCCCC
        rep stosd
        mov esi, pattern
        mov edi, PATTERN
        mov ecx, 0x4000
        rep movsd
        mov esi, pattern
        mov edi, DATA
        mov ecx, 0x4000
        rep movsd
        mov dword [case_ptr], cases
        mov dword [case_no], 0

next_case:
        mov ebx, [case_ptr]
        mov esi, ebx
        mov edi, CODE + CODE_OFF
        mov ecx, 4
        rep movsd
        mov [kernel_esp], esp
        xor eax, eax
        mov cr2, eax
        mov eax, cr4                    ; CR4.VME and CR4.PVI for the cases that ask for them
        and eax, ~3
        test byte [ebx + 64], 2
        jz .cr4
        or eax, 3
.cr4:   mov cr4, eax
        test byte [ebx + 64], 1
        jz .protected
        ; virtual-8086 mode: the data segment registers come from the IRETD frame
        movzx eax, word [ebx + 62]
        push eax                        ; GS
        movzx eax, word [ebx + 60]
        push eax                        ; FS
        movzx eax, word [ebx + 56]
        push eax                        ; DS
        movzx eax, word [ebx + 58]
        push eax                        ; ES
.protected:
        movzx eax, word [ebx + 54]
        push eax                        ; SS
        push dword [ebx + 32]           ; ESP
        push dword [ebx + 48]           ; EFLAGS
        movzx eax, word [ebx + 52]
        push eax                        ; CS
        push dword CODE_OFF             ; EIP
        test byte [ebx + 64], 1
        jnz .registers
        ; protected mode: the data segment registers are loaded here (DS last: [ebx] is read through SS below)
        mov ax, [ebx + 58]
        mov es, ax
        mov ax, [ebx + 60]
        mov fs, ax
        mov ax, [ebx + 62]
        mov gs, ax
        mov ds, [ebx + 56]
.registers:
        mov eax, [ss:ebx + 16]
        mov ecx, [ss:ebx + 20]
        mov edx, [ss:ebx + 24]
        mov ebp, [ss:ebx + 36]
        mov esi, [ss:ebx + 40]
        mov edi, [ss:ebx + 44]
        mov ebx, [ss:ebx + 28]
        iretd

; every vector the tests can end with: push the error code (or 0) and the vector
%macro CSTUB 1
cstub_ %+ %1:
%if %1 <> 8 && (%1 < 10 || %1 > 14) && %1 <> 17
        push 0
%endif
        push %1
        jmp case_end
%endmacro
%assign v 0
%rep 32
        CSTUB v
%assign v v + 1
%endrep
        CSTUB 0x30
        CSTUB 0x31

case_end:
        mov [ss:o_eax], eax
        mov [ss:o_ecx], ecx
        mov [ss:o_edx], edx
        mov [ss:o_ebx], ebx
        mov [ss:o_ebp], ebp
        mov [ss:o_esi], esi
        mov [ss:o_edi], edi
        mov [ss:o_ds], ds
        mov [ss:o_es], es
        mov [ss:o_fs], fs
        mov [ss:o_gs], gs
        mov eax, cr2
        mov [ss:o_cr2], eax
        mov ax, SEL_DATA0
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        cld
        pop dword [o_vec]
        pop dword [o_err]
        pop dword [o_eip]
        pop dword [o_cs]
        pop dword [o_efl]
        test dword [o_efl], 0x20000
        jnz .from_user                  ; V86 (its CS is a paragraph number)
        test dword [o_cs], 3
        jz runner_fault                 ; the runner itself faulted: a bug somewhere
.from_user:
        pop dword [o_esp]
        pop dword [o_ss]
        test dword [o_efl], 0x20000     ; from V86: the frame also holds ES DS FS GS (the registers are now 0)
        jz .frame_done
        pop dword [o_es]
        pop dword [o_ds]
        pop dword [o_fs]
        pop dword [o_gs]
.frame_done:
        mov esp, [kernel_esp]
        call report_case
        call compare_memory
        mov edi, CODE + CODE_OFF        ; INT3 filler back
        mov ecx, 4
        mov eax, 0xCCCCCCCC
        rep stosd
        call compare_code
        call newline
        add dword [case_ptr], CASE_SIZE
        inc dword [case_no]
        cmp dword [case_no], NCASES
        jb next_case
        FINISH

runner_fault:
        PUTS "runner fault: "
        mov eax, [o_vec]
        call puthex8
        mov eax, [o_eip]
        call space
        call puthex32
        call newline
        FINISH

%macro OUTF 3                           ; " <tag><value>" with the value's width
        PUTS %1
        mov eax, [%2]
        call puthex %+ %3
%endmacro

report_case:
        mov eax, [case_no]
        call puthex16
        OUTF " v", o_vec, 8
        OUTF " e", o_err, 16
        OUTF " i", o_eip, 32
        OUTF " c", o_cs, 16
        OUTF " f", o_efl, 32
        OUTF " s", o_esp, 32
        OUTF " t", o_ss, 16
        OUTF " a", o_eax, 32
        OUTF " c", o_ecx, 32
        OUTF " d", o_edx, 32
        OUTF " b", o_ebx, 32
        OUTF " p", o_ebp, 32
        OUTF " si", o_esi, 32
        OUTF " di", o_edi, 32
        OUTF " ", o_ds, 16
        OUTF " ", o_es, 16
        OUTF " ", o_fs, 16
        OUTF " ", o_gs, 16
        OUTF " r", o_cr2, 32
        ret

; the dwords of the data segment that differ from the pattern: printed, then restored
compare_memory:
        mov esi, DATA
        mov edi, PATTERN
        mov ecx, 0x4000
.scan:  repe cmpsd
        je .done                        ; ZF=1: the count ran out with everything equal
        PUTS " m"
        lea eax, [esi - 4 - DATA]
        call puthex16
        PUTS "="
        mov eax, [esi - 4]
        call puthex32
        mov eax, [edi - 4]
        mov [esi - 4], eax
        test ecx, ecx
        jnz .scan
.done:  ret

; the dwords of the code area that are not INT3 filler any more (a V86 test can write there): printed, restored
compare_code:
        mov edi, CODE
        mov ecx, 0x3C00                 ; the not-present last page is left out
        mov eax, 0xCCCCCCCC
.scan:  repe scasd
        je .done
        push eax
        PUTS " k"
        lea eax, [edi - 4 - CODE]
        call puthex16
        PUTS "="
        mov eax, [edi - 4]
        call puthex32
        pop eax
        mov [edi - 4], eax
        test ecx, ecx
        jnz .scan
.done:  ret

align 4
case_ptr:   dd 0
case_no:    dd 0
kernel_esp: dd 0
o_eax: dd 0
o_ecx: dd 0
o_edx: dd 0
o_ebx: dd 0
o_ebp: dd 0
o_esi: dd 0
o_edi: dd 0
o_ds:  dd 0
o_es:  dd 0
o_fs:  dd 0
o_gs:  dd 0
o_vec: dd 0
o_err: dd 0
o_eip: dd 0
o_cs:  dd 0
o_efl: dd 0
o_esp: dd 0
o_ss:  dd 0
o_cr2: dd 0
align 4
pattern: incbin PATTERN_FILE
cases:   incbin CASES
