; linuxboot.bin: the option ROM that boots a Linux kernel given to the machine directly (-kernel/-initrd/-append).
; The host parses the bzImage and publishes, through fw_cfg (QEMU's docs/specs/fw_cfg.rst), the real-mode setup
; (with its header already filled in: command line pointer, initrd address and size, loader type, heap end) and
; where each part goes. SeaBIOS runs this ROM's boot entry (its PnP "bootstrap entry vector") when the boot order
; says so; the ROM copies setup, kernel, initrd and command line into RAM with fw_cfg DMA and enters the kernel's
; real-mode setup code as the x86 boot protocol (Documentation/x86/boot.rst) asks: all segment registers at the
; setup segment, SP at the end of its heap, CS = setup segment + 20h, IP = 0. The BIOS stays in charge until the
; kernel's setup has asked it for the memory map and the video mode.
;
; Built by images/build.ts with `nasm -f bin`; the build pads it to 512 bytes and fixes the checksum byte.

bits 16
org 0

FW_CFG_PORT_SEL   equ 0x510
FW_CFG_PORT_DATA  equ 0x511
FW_CFG_DMA_HIGH   equ 0x514
FW_CFG_DMA_LOW    equ 0x518

FW_CFG_KERNEL_ADDR  equ 0x07
FW_CFG_KERNEL_SIZE  equ 0x08
FW_CFG_INITRD_ADDR  equ 0x0a
FW_CFG_INITRD_SIZE  equ 0x0b
FW_CFG_KERNEL_DATA  equ 0x11
FW_CFG_INITRD_DATA  equ 0x12
FW_CFG_CMDLINE_ADDR equ 0x13
FW_CFG_CMDLINE_SIZE equ 0x14
FW_CFG_CMDLINE_DATA equ 0x15
FW_CFG_SETUP_ADDR   equ 0x16
FW_CFG_SETUP_SIZE   equ 0x17
FW_CFG_SETUP_DATA   equ 0x18

DMA_CTL_READ   equ 0x02
DMA_CTL_SELECT equ 0x08

DESC equ 0x6000          ; the DMA descriptor, in free conventional memory below the boot sector area
STACK equ 0x7000
SAVED_SP equ DESC + 0x20
SAVED_SS equ DESC + 0x22

%include "optionrom.inc"
OPTION_ROM_HEADER 'Linux (direct kernel boot)'

; ---- fw_cfg helpers ------------------------------------------------------------------------------------
; read a 32-bit item: bx = key -> eax
cfg_read32:
    mov dx, FW_CFG_PORT_SEL
    mov ax, bx
    out dx, ax
    mov dx, FW_CFG_PORT_DATA
    xor eax, eax
    mov cx, 4
.byte:
    in al, dx
    ror eax, 8
    loop .byte
    ret

; DMA-read item bx (ecx bytes) to physical edi
cfg_dma_read:
    test ecx, ecx
    jz .done
    movzx eax, bx
    shl eax, 16
    or eax, DMA_CTL_SELECT | DMA_CTL_READ
    bswap eax
    mov [DESC], eax
    mov eax, ecx
    bswap eax
    mov [DESC + 4], eax
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
    test eax, ~1
    jnz .wait                 ; still busy
    test eax, 1
    jnz fail
.done:
    ret

; copy item (size key, address key, data key) into RAM
%macro load_item 3
    mov bx, %2
    call cfg_read32
    mov edi, eax
    mov bx, %1
    call cfg_read32
    mov ecx, eax
    mov bx, %3
    call cfg_dma_read
%endmacro

boot:
    cli
    cld
    xor ax, ax
    mov ds, ax
    mov [SAVED_SP], sp        ; the BIOS's stack, to return to it if loading fails
    mov [SAVED_SS], ss
    mov es, ax
    mov ss, ax
    mov sp, STACK

    load_item FW_CFG_SETUP_SIZE, FW_CFG_SETUP_ADDR, FW_CFG_SETUP_DATA
    load_item FW_CFG_KERNEL_SIZE, FW_CFG_KERNEL_ADDR, FW_CFG_KERNEL_DATA
    load_item FW_CFG_INITRD_SIZE, FW_CFG_INITRD_ADDR, FW_CFG_INITRD_DATA
    load_item FW_CFG_CMDLINE_SIZE, FW_CFG_CMDLINE_ADDR, FW_CFG_CMDLINE_DATA

    ; stack at the end of the setup heap: just below the command line, which the host puts right after it
    mov bx, FW_CFG_CMDLINE_ADDR
    call cfg_read32
    mov esi, eax
    mov bx, FW_CFG_SETUP_ADDR
    call cfg_read32
    sub esi, eax
    sub esi, 16
    shr eax, 4
    mov ds, ax
    mov es, ax
    mov fs, ax
    mov gs, ax
    mov ss, ax
    mov sp, si
    add ax, 0x20
    push ax
    push word 0
    retf

fail:
    ; a DMA error: return to the BIOS, which tries the next boot device
    xor ax, ax
    mov ds, ax
    mov ss, [SAVED_SS]
    mov sp, [SAVED_SP]
    sti
    retf

    times 511 - ($ - $$) db 0
    db 0                      ; checksum byte (the build sets it)
