; mbhello: the smallest multiboot test kernel. Loaded by a multiboot loader (QEMU -kernel, our direct
; kernel boot) in 32-bit protected mode; prints one line to port E9 (Bochs/QEMU debug port), COM1 and the
; VGA text screen, then writes 0 to port F4h (QEMU's isa-debug-exit, if present) and halts.
; Build: nasm -f elf32 mbhello.asm -o mbhello.o && i686-linux-gnu-ld -m elf_i386 -Ttext=0x100000 -e start -o mbhello.elf mbhello.o
BITS 32
MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00000003            ; page-align modules, want memory info
section .text
align 4
multiboot_header:
    dd MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS)

global start
start:
    mov esp, stack_top
    cmp eax, 0x2BADB002             ; loader's magic: tells a multiboot boot from anything else
    jne .fail
    mov esi, message
    mov edi, 0xB8000
.next:
    lodsb
    test al, al
    jz .done
    out 0xE9, al                    ; debug port
    mov ah, al
    mov dx, 0x3FD                   ; COM1 line status: wait for the transmitter to be empty
.wait:
    in al, dx
    test al, 0x20
    jz .wait
    mov al, ah
    mov dx, 0x3F8
    out dx, al
    cmp al, 10
    je .next
    mov [edi], al
    mov byte [edi + 1], 0x0A        ; light green on black
    add edi, 2
    jmp .next
.fail:
    mov dword [0xB8000], 0x4F214F21 ; "!!" in white on red
.done:
    mov dx, 0xF4
    xor eax, eax
    out dx, al
.halt:
    cli
    hlt
    jmp .halt

section .data
message: db "WEBPC-MBHELLO multiboot kernel OK", 10, 0

section .bss
align 16
    resb 4096
stack_top:
