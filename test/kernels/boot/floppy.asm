; Floppy boot sector for running the test kernels in Bochs (which has no multiboot loader).
; The kernel image follows this sector on the disk. It is read with INT 13h to 1000:0000, copied to the
; load address in its multiboot header (at offset 0 of the image: see ../lib/kernel.inc) from protected mode,
; and entered in the multiboot machine state: flat 32-bit CS=08h DS..SS=10h, paging off, IF=0,
; EAX=2BADB002h, EBX -> an information structure with flags=0 (the kernels use none of it).
;
; nasm -f bin -D KERNEL_SECTORS=n -o boot.bin floppy.asm

%ifndef KERNEL_SECTORS
%error "define KERNEL_SECTORS (sectors of kernel image after the boot sector)"
%endif

bits 16
org 0x7C00

LOAD_SEG    equ 0x1000                  ; image read to 10000h (up to 9FFFFh: 1152 sectors)
MBI         equ 0x9000                  ; empty multiboot info structure
SPT         equ 18                      ; 1.44 MB floppy geometry
HEADS       equ 2

start:
        cli
        xor ax, ax
        mov ds, ax
        mov ss, ax
        mov sp, 0x7C00
        mov [drive], dl
        mov ax, LOAD_SEG
        mov es, ax
        xor di, di                      ; di = LBA - 1 (sectors read so far)
.read:
        cmp di, KERNEL_SECTORS
        jae .loaded
        lea ax, [di + 1]                ; LBA -> CHS
        xor dx, dx
        mov bx, SPT
        div bx                          ; ax = track, dx = sector - 1
        mov cl, dl
        inc cl
        xor dx, dx
        mov bx, HEADS
        div bx                          ; ax = cylinder, dx = head
        mov ch, al
        mov dh, dl
        mov dl, [drive]
        xor bx, bx
        mov ax, 0x0201
        int 0x13
        jc .error
        mov ax, es
        add ax, 0x20                    ; next 512 bytes
        mov es, ax
        inc di
        jmp .read
.error:
        mov si, msg_error
.puts:  lodsb
        test al, al
        jz .hang
        out 0xE9, al
        jmp .puts
.hang:  hlt
        jmp .hang

.loaded:
        in al, 0x92                     ; fast A20 gate (PS/2 system control port A)
        or al, 2
        and al, 0xFE
        out 0x92, al
        lgdt [gdt_ptr]
        mov eax, cr0
        or al, 1
        mov cr0, eax
        jmp dword 0x08:pm

bits 32
pm:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov fs, ax
        mov gs, ax
        mov ss, ax
        mov esp, 0x7C00
        mov edi, MBI                    ; flags = 0: nothing else is valid
        xor eax, eax
        mov ecx, 32
        rep stosd
        mov esi, LOAD_SEG * 16
        mov edi, [esi + 16]             ; multiboot load_addr
        mov ecx, KERNEL_SECTORS * 128
        rep movsd
        mov eax, [LOAD_SEG * 16 + 28]   ; multiboot entry_addr
        mov [entry], eax
        push 2
        popfd
        mov eax, 0x2BADB002
        mov ebx, MBI
        jmp [entry]

align 8
gdt:    dq 0
        dq 0x00CF9A000000FFFF
        dq 0x00CF92000000FFFF
gdt_ptr:
        dw 23
        dd gdt
entry:  dd 0
drive:  db 0
msg_error: db "boot: disk read error", 10, 0

        times 510 - ($ - $$) db 0
        dw 0xAA55
