; multiboot.bin: the option ROM that boots a Multiboot kernel (Multiboot Specification 0.6.96) given to the
; machine directly. The host (web/machine/multiboot-boot.ts) plans the boot and publishes two fw_cfg files
; (QEMU's docs/specs/fw_cfg.rst):
;
;   "etc/multiboot-data"  every byte to place, concatenated (kernel segments, modules, the info structure)
;   "etc/multiboot-plan"  little-endian u32s:
;        0 magic 'MBP1'       4 entry point      8 info structure address (EBX)
;       12 mmap address      16 mmap slots (24-byte entries the info block has room for)
;       20 placement count   24 placements: {destination, size, offset in etc/multiboot-data, zero bytes after}
;
; SeaBIOS runs this ROM's boot entry (its PnP "bootstrap entry vector") when the boot order says so. In real
; mode, with the BIOS still there, the ROM finds both files in the fw_cfg directory, reads the plan, and asks
; the BIOS for conventional memory (INT 12h) and the memory map (INT 15h E820h), so the kernel sees the map
; SeaBIOS really made. Then it opens A20 (port 92h), switches to 32-bit protected mode with a flat GDT, copies
; each placement with fw_cfg DMA, zero-fills, writes mem_lower/mem_upper and the E820 map into the info
; structure, and jumps to the entry point in the state of Multiboot spec 3.2: EAX = 2BADB002h, EBX = info
; address, CS a 32-bit flat code segment, DS/ES/FS/GS/SS flat data segments, A20 on, CR0.PE = 1, PG = 0,
; IF = 0, VM = 0. (GDTR points at this ROM's table; the spec says the kernel must load its own.)
;
; Work area: 8000h-9000h (DMA descriptor, plan, E820 buffer, stack); the host refuses kernels that load there.
; Built by images/build.ts with `nasm -f bin` (1 KiB); the build sets the size byte and fixes the checksums.

bits 16
org 0

FW_CFG_PORT_SEL   equ 0x510
FW_CFG_PORT_DATA  equ 0x511
FW_CFG_DMA_HIGH   equ 0x514
FW_CFG_DMA_LOW    equ 0x518
FW_CFG_FILE_DIR   equ 0x19
DEBUG_PORT        equ 0x402       ; SeaBIOS's debug console: failures are reported there

DMA_CTL_ERROR  equ 0x01
DMA_CTL_READ   equ 0x02
DMA_CTL_SKIP   equ 0x04
DMA_CTL_SELECT equ 0x08

PLAN_MAGIC     equ 0x3150424D     ; 'MBP1'
PLAN_ENTRY     equ 4
PLAN_INFO      equ 8
PLAN_MMAP      equ 12
PLAN_MMAP_SLOTS equ 16
PLAN_COUNT     equ 20
PLAN_ENTRIES   equ 24

WORK      equ 0x8000
DESC      equ WORK            ; fw_cfg DMA descriptor (16 bytes)
SAVED_SP  equ WORK + 0x10     ; the BIOS's stack, to return to it if something is missing
SAVED_SS  equ WORK + 0x12
DATA_KEY  equ WORK + 0x14     ; selector of etc/multiboot-data
FILE_KEY  equ WORK + 0x16     ; find_file results
FILE_SIZE equ WORK + 0x18
DIR_LEFT  equ WORK + 0x1C
MEM_LOWER equ WORK + 0x20     ; KiB (INT 12h)
MEM_UPPER equ WORK + 0x24     ; KiB from 1 MiB (E820), FFFFFFFFh if the BIOS did not say
E820_COUNT equ WORK + 0x28
GDTR      equ WORK + 0x30     ; 6 bytes
PLAN      equ WORK + 0x100
PLAN_MAX  equ 0x700
E820_BUF  equ WORK + 0x800    ; multiboot mmap entries: {u32 size = 20, u64 base, u64 length, u32 type}
E820_MAX  equ 32
STACK     equ WORK + 0x1000

%include "optionrom.inc"
OPTION_ROM_HEADER 'Multiboot kernel (direct kernel boot)'
plan_name:    db 'etc/multiboot-plan', 0
data_name:    db 'etc/multiboot-data', 0
msg_missing:  db 'multiboot.bin: no usable etc/multiboot-plan / etc/multiboot-data in fw_cfg', 10, 0
msg_dma:      db 'multiboot.bin: fw_cfg DMA error while loading the kernel', 10, 0

align 8
gdt:
    dq 0
    dq 0x00CF9B000000FFFF     ; 08h: code, base 0, limit 4 GiB (G=1), 32-bit, execute/read, accessed
    dq 0x00CF93000000FFFF     ; 10h: data, base 0, limit 4 GiB, 32-bit (B=1), read/write, accessed
gdt_end:

; ---- real mode ------------------------------------------------------------------------------------------
; print the string at cs:si on the debug port
print16:
    mov dx, DEBUG_PORT
.next:
    mov al, [cs:si]
    test al, al
    jz .done
    out dx, al
    inc si
    jmp .next
.done:
    ret

; big-endian u32 from the data port (dx = data port) -> eax
read_be32:
    push cx
    mov cx, 4
.byte:
    shl eax, 8
    in al, dx
    loop .byte
    pop cx
    ret

; find the fw_cfg file named at cs:si: CF clear and [FILE_KEY], [FILE_SIZE] set when found
find_file:
    mov dx, FW_CFG_PORT_SEL
    mov ax, FW_CFG_FILE_DIR
    out dx, ax
    mov dx, FW_CFG_PORT_DATA
    call read_be32
    mov [DIR_LEFT], eax
.entry:
    sub dword [DIR_LEFT], 1
    jc .missing
    call read_be32            ; {be32 size, be16 select, be16 reserved, char name[56]}
    mov [FILE_SIZE], eax
    call read_be32
    shr eax, 16
    mov [FILE_KEY], ax
    push si
    mov cx, 56
    xor bl, bl                ; bl = 1 once a byte differs
.char:
    in al, dx
    mov ah, [cs:si]
    cmp al, ah
    je .same
    mov bl, 1
.same:
    test ah, ah
    jz .at_end                ; stay on our terminator: the rest of the name must be zeros too
    inc si
.at_end:
    loop .char
    pop si
    test bl, bl
    jnz .entry
    clc
    ret
.missing:
    stc
    ret

; the BIOS's memory map (INT 15h AX=E820h) into E820_BUF as multiboot mmap entries; mem_upper from the
; usable range that starts at 1 MiB
read_e820:
    mov dword [E820_COUNT], 0
    mov dword [MEM_UPPER], 0xFFFFFFFF
    xor ebx, ebx
    mov di, E820_BUF
.next:
    mov dword [di], 20
    push di
    add di, 4
    mov eax, 0xE820
    mov edx, 0x534D4150       ; 'SMAP'
    mov ecx, 20
    int 0x15
    pop di
    jc .done
    cmp eax, 0x534D4150
    jne .done
    cmp ecx, 20
    jb .done
    cmp dword [di + 20], 1    ; type 1: usable RAM
    jne .counted
    cmp dword [di + 4], 0x100000
    jne .counted
    cmp dword [di + 8], 0
    jne .counted
    mov eax, [di + 12]
    cmp dword [di + 16], 0
    je .len
    mov eax, 0xFFFFFFFF       ; 4 GiB or more: as much as 32 bits of KiB-from-1-MiB say
.len:
    shr eax, 10
    mov [MEM_UPPER], eax
.counted:
    inc dword [E820_COUNT]
    add di, 24
    cmp dword [E820_COUNT], E820_MAX
    jae .done
    test ebx, ebx
    jnz .next
.done:
    ret

boot:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov [SAVED_SP], sp
    mov [SAVED_SS], ss
    mov ss, ax
    mov esp, STACK            ; all 32 bits: the same stack serves in protected mode

    mov si, data_name
    call find_file
    jc missing
    mov ax, [FILE_KEY]
    mov [DATA_KEY], ax
    mov si, plan_name
    call find_file
    jc missing
    mov ecx, [FILE_SIZE]
    cmp ecx, PLAN_ENTRIES
    jb missing
    cmp ecx, PLAN_MAX
    ja missing
    mov dx, FW_CFG_PORT_SEL   ; the plan through the data port (select restarts at offset 0)
    mov ax, [FILE_KEY]
    out dx, ax
    mov dx, FW_CFG_PORT_DATA
    mov di, PLAN
    rep insb
    cmp dword [PLAN], PLAN_MAGIC
    jne missing

    int 0x12                  ; conventional memory in KiB
    movzx eax, ax
    mov [MEM_LOWER], eax
    call read_e820

    ; A20 through the PS/2 system control port A (bit 1; bit 0 would reset the machine)
    in al, 0x92
    or al, 2
    and al, 0xFE
    out 0x92, al

    xor eax, eax
    mov ax, cs
    shl eax, 4
    mov ebp, eax              ; this ROM's linear address (SeaBIOS chose where it lives)
    add eax, gdt
    mov [GDTR + 2], eax
    mov word [GDTR], gdt_end - gdt - 1
    o32 lgdt [GDTR]
    mov eax, cr0
    and eax, 0x7FFFFFFF       ; paging off
    or al, 1                  ; protection on
    mov cr0, eax
    push dword 0x08
    mov eax, ebp
    add eax, pm32
    push eax
    o32 retf                  ; far return to 08h:pm32 loads CS with the 32-bit flat descriptor

missing:
    mov si, msg_missing
    call print16
    ; back to the BIOS, which tries the next boot device
    mov ss, [SAVED_SS]
    mov sp, [SAVED_SP]
    sti
    retf

; ---- 32-bit protected mode (ebp = this ROM's linear address) ---------------------------------------------
bits 32

; fw_cfg DMA: eax = control (key << 16 | flags), ecx = length, edi = physical address. Clobbers eax, ecx, edx.
dma32:
    bswap eax
    mov [DESC], eax
    bswap ecx
    mov [DESC + 4], ecx
    mov dword [DESC + 8], 0
    mov eax, edi
    bswap eax
    mov [DESC + 12], eax
    xor eax, eax
    mov dx, FW_CFG_DMA_HIGH
    out dx, eax
    mov eax, DESC
    bswap eax
    mov dx, FW_CFG_DMA_LOW
    out dx, eax
.wait:
    mov eax, [DESC]
    bswap eax
    test eax, ~DMA_CTL_ERROR
    jnz .wait                 ; still busy
    test eax, DMA_CTL_ERROR
    jnz dma_error
    ret

dma_error:
    lea esi, [ebp + msg_dma]
    mov dx, DEBUG_PORT
.next:
    lodsb
    test al, al
    jz .halt
    out dx, al
    jmp .next
.halt:
    cli
    hlt
    jmp .halt

pm32:
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov esp, STACK

    mov esi, PLAN + PLAN_ENTRIES
    mov ebx, [PLAN + PLAN_COUNT]
.place:
    test ebx, ebx
    jz .placed
    movzx eax, word [DATA_KEY]   ; select the data file and skip to this placement's bytes
    shl eax, 16
    or eax, DMA_CTL_SELECT | DMA_CTL_SKIP
    mov ecx, [esi + 8]
    call dma32
    mov edi, [esi]
    mov ecx, [esi + 4]
    test ecx, ecx
    jz .zero
    mov eax, DMA_CTL_READ
    call dma32
.zero:
    mov edi, [esi]
    add edi, [esi + 4]
    mov ecx, [esi + 12]
    xor eax, eax
    rep stosb
    add esi, 16
    dec ebx
    jmp .place
.placed:

    ; what the BIOS said about memory, into the info structure (spec 3.3: mem_lower +4, mem_upper +8,
    ; mmap_length +44; mmap_addr +48 already points at the slots the host left for us)
    mov ebx, [PLAN + PLAN_INFO]
    mov eax, [MEM_LOWER]
    mov [ebx + 4], eax
    mov eax, [MEM_UPPER]
    cmp eax, 0xFFFFFFFF
    je .no_upper
    mov [ebx + 8], eax
.no_upper:
    mov ecx, [E820_COUNT]
    cmp ecx, [PLAN + PLAN_MMAP_SLOTS]
    jbe .fits
    mov ecx, [PLAN + PLAN_MMAP_SLOTS]
.fits:
    test ecx, ecx
    jz .no_mmap               ; no E820 answer: the host's conservative map stays
    imul ecx, ecx, 24
    mov [ebx + 44], ecx
    mov esi, E820_BUF
    mov edi, [PLAN + PLAN_MMAP]
    rep movsb
.no_mmap:

    mov ecx, [PLAN + PLAN_ENTRY]
    mov eax, 0x2BADB002
    jmp ecx

    times 1023 - ($ - $$) db 0
    db 0                      ; checksum byte (the build sets it)
