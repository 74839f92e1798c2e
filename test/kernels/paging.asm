; Paging (SDM Vol. 3A 4.3 32-bit paging, 4.7 page-fault error codes, 4.8 accessed/dirty, 4.10.2 global pages):
; 4 KiB and 4 MiB (CR4.PSE) pages, #PF error codes and CR2 for not-present/protection/user/write faults,
; CR0.WP, accessed and dirty bits in PDEs and PTEs, global pages (CR4.PGE) surviving a CR3 reload.
%include "lib/kernel.inc"

PD       equ SCRATCH                    ; page directory
PT0      equ SCRATCH + 0x1000           ; page table for 0-4 MiB
TP_RO    equ 0x300000                   ; user, read-only
TP_SUP   equ 0x301000                   ; supervisor, writable
TP_NP    equ 0x302000                   ; not present
TP_AD    equ 0x303000                   ; for accessed/dirty
TP_G     equ 0x304000                   ; global page, first mapped to 0x305000
TP_NG    equ 0x306000                   ; non-global page, first mapped to 0x305000
%define PTE(a) (PT0 + ((a) >> 12) * 4)

main:
        ; identity-map 0-4 MiB with user, writable 4 KiB pages
        IDENTITY_MAP_4M PD, PT0, 7
        mov dword [PD + 4], 0x00000087  ; 4-8 MiB: one 4 MiB page onto physical 0
        mov dword [PTE(TP_RO)], TP_RO | 5
        mov dword [PTE(TP_SUP)], TP_SUP | 3
        mov dword [PTE(TP_NP)], 0
        mov dword [PTE(TP_G)], 0x305000 | 0x107
        mov dword [PTE(TP_NG)], 0x305000 | 7
        mov dword [TP_G], 0xAAAAAAAA
        mov dword [0x305000], 0xBBBBBBBB
        mov dword [TP_NG], 0xCCCCCCCC

        mov eax, PD
        mov cr3, eax
        mov eax, cr4
        or eax, 0x90                    ; PSE | PGE
        mov cr4, eax
        mov eax, cr0
        or eax, 0x80000000
        mov cr0, eax
        jmp .on
.on:
        PUTLN "paging on"

        TRY "read-4m-page"
        mov eax, [0x500000]             ; physical 100000h: the multiboot magic
        PUTVAL "  value", eax, 32
        call newline
        ENDTRY
        TRY "pde-not-present-read"
        mov eax, [0x800000]
        ENDTRY
        TRY "pde-not-present-write"
        mov dword [0x800004], 1
        ENDTRY
        TRY "pte-not-present-read"
        mov eax, [TP_NP + 0x10]
        ENDTRY
        TRY "pte-not-present-fetch"
        mov eax, TP_NP
        jmp eax
        ENDTRY
        TRY "ro-write-wp0"
        mov dword [TP_RO], 1
        ENDTRY
        mov eax, cr0
        or eax, 0x10000                 ; CR0.WP
        mov cr0, eax
        TRY "ro-write-wp1"
        mov dword [TP_RO], 2
        ENDTRY
        TRY "user-read-supervisor"
        RING3 0x3002
        mov eax, [TP_SUP]
        RING0
        ENDTRY
        TRY "user-write-supervisor"
        RING3 0x3002
        mov dword [TP_SUP], 1
        RING0
        ENDTRY
        TRY "user-write-readonly"
        RING3 0x3002
        mov dword [TP_RO], 1
        RING0
        ENDTRY
        TRY "user-read-readonly"
        RING3 0x3002
        mov eax, [TP_RO]
        RING0
        ENDTRY
        TRY "user-read-4m-not-present"
        RING3 0x3002
        mov eax, [0x800000]
        RING0
        ENDTRY

        ; accessed / dirty
        mov dword [PTE(TP_AD)], TP_AD | 7
        and dword [PD + 0], ~0x60
        and dword [PD + 4], ~0x60
        invlpg [TP_AD]
        invlpg [0x400000]
        mov eax, [TP_AD]
        PUTS "after read: pte-ad="
        mov eax, [PTE(TP_AD)]
        and eax, 0x60
        call puthex8
        mov dword [TP_AD], 1
        PUTS " after write: pte-ad="
        mov eax, [PTE(TP_AD)]
        and eax, 0x60
        call puthex8
        PUTS " pde0-ad="
        mov eax, [PD + 0]
        and eax, 0x60
        call puthex8
        mov eax, [0x400100]
        PUTS " pde1-ad-read="
        mov eax, [PD + 4]
        and eax, 0x60
        call puthex8
        mov eax, [0x400000 + 0x305000]
        mov [0x400000 + 0x305000], eax  ; write the same value back through the 4 MiB page
        PUTS " pde1-ad-write="
        mov eax, [PD + 4]
        and eax, 0x60
        call puthex8
        call newline

        ; global pages: a CR3 reload keeps global translations (SDM 4.10.4.1)
        mov eax, [TP_G]
        mov ebx, [TP_NG]
        PUTVAL "global before", eax, 32
        PUTVAL " nonglobal before", ebx, 32
        call newline
        mov dword [PTE(TP_G)], TP_G | 0x107
        mov dword [PTE(TP_NG)], TP_NG | 7
        mov eax, cr3
        mov cr3, eax
        mov eax, [TP_G]
        mov ebx, [TP_NG]
        PUTVAL "after cr3 reload: global", eax, 32
        PUTVAL " nonglobal", ebx, 32
        call newline
        invlpg [TP_G]
        mov eax, [TP_G]
        PUTVAL "after invlpg: global", eax, 32
        call newline
        FINISH
