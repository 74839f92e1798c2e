; ATAPI packet protocol probe, run under qemu-system-i386 (booted from a floppy by SeaBIOS) and under webpc (loaded
; at 7C00h): nIEN on the secondary channel, TEST UNIT READY until good, then a list of packet commands
; (PIO, polled, nIEN set). Everything observable goes to port E9h: per command A5h, status & E9h, interrupt reason
; after PACKET; per data chunk 44h, reason, byte count, the first 24 bytes and a byte sum; at the end 53h, status &
; E9h, reason, error. EEh marks the end of the unit-attention part (which depends on what the BIOS did).
; No software reset: QEMU performs SRST later, in its main loop thread, so on a busy host the probe's next commands
; raced it (the device signature and every command then read back as zeros).
bits 16
org 0x7C00
    cli
    xor ax, ax
    mov ds, ax
    mov es, ax
    mov ss, ax
    mov sp, 0x7000
    cld
    mov dx, 0x376           ; nIEN: polled, no interrupts
    mov al, 0x0A
    out dx, al
    call wait_nbsy
    mov dx, 0x176
    mov al, 0xA0
    out dx, al
    mov bp, 8
.tur:
    mov si, c_tur
    mov bx, 0
    call packet
    test al, 1
    jz .ok
    dec bp
    jnz .tur
.ok:
    mov al, 0xEE
    call put
    mov si, list
.next:
    lodsw
    test ax, ax
    jz .end
    mov bx, [si]
    add si, 2
    push si
    mov si, ax
    call packet
    pop si
    jmp .next
.end:
    mov al, 0
    out 0xF4, al
    hlt

; si = cdb, bx = byte count limit. Prints A5, status, reason; per chunk 44h, reason, count lo/hi, up to 24 bytes, sum;
; then 53h, status, reason, error. Returns the final status in al.
packet:
    mov al, 0xA5
    call put
    call wait_nbsy          ; a command written while BSY is dropped
    mov dx, 0x171
    xor al, al
    out dx, al
    mov dx, 0x174
    mov al, bl
    out dx, al
    inc dx
    mov al, bh
    out dx, al
    mov dx, 0x177
    mov al, 0xA0
    out dx, al
    call wait_nbsy
    and al, 0xE9
    call put
    mov dx, 0x172
    in al, dx
    and al, 3
    call put
    mov dx, 0x170
    mov cx, 6
    rep outsw
.chunk:
    call wait_nbsy
    test al, 8
    jz .status
    mov al, 0x44
    call put
    mov dx, 0x172
    in al, dx
    and al, 3
    call put
    mov dx, 0x174
    in al, dx
    call put
    mov cl, al
    inc dx
    in al, dx
    call put
    mov ch, al
    shr cx, 1
    xor bx, bx              ; bl = sum, bh = bytes printed
    mov dx, 0x170
.word:
    in ax, dx
    add bl, al
    add bl, ah
    cmp bh, 24
    jae .np
    call put
    mov al, ah
    call put
    add bh, 2
.np:
    loop .word
    mov al, bl
    call put
    jmp .chunk
.status:
    mov al, 0x53
    call put
    mov dx, 0x177
    in al, dx
    and al, 0xE9
    call put
    mov ah, al
    mov dx, 0x172
    in al, dx
    and al, 3
    call put
    mov dx, 0x171
    in al, dx
    call put
    mov al, ah
    ret

put:
    push dx
    out 0xE9, al
    pop dx
    ret

wait_nbsy:
    push dx
    mov dx, 0x177
.l: in al, dx
    test al, 0x80
    jnz .l
    pop dx
    ret

c_tur:   db 0x00, 0,0,0,0,0, 0,0,0,0,0,0
c_cap:   db 0x25, 0,0,0,0,0, 0,0,0,0,0,0
c_toc0:  db 0x43, 0,0,0,0,0, 0,0,0x24,0,0,0
c_toc0m: db 0x43, 2,0,0,0,0, 0,0,0x24,0,0,0
c_toc1:  db 0x43, 0,1,0,0,0, 0,0,12,0x40,0,0   ; format 1 in byte 2 (MMC) and byte 9 (SFF-8020i, what QEMU reads)
c_rd:    db 0x28, 0,0,0,0,1, 0,0,2,0,0,0
c_rdend: db 0x28, 0,0,0,0x01,0x2C, 0,0,1,0,0,0
c_sense: db 0x03, 0,0,0,18,0, 0,0,0,0,0,0
c_bad:   db 0xFF, 0,0,0,0,0, 0,0,0,0,0,0
c_inq:   db 0x12, 0,0,0,4,0,  0,0,0,0,0,0
c_rd12:  db 0xA8, 0,0,0,0,5, 0,0,0,3,0,0
list:
    dw c_cap, 0xFFFE
    dw c_toc0, 0xFFFE
    dw c_toc0m, 0xFFFE
    dw c_toc1, 0xFFFE
    dw c_rd, 2048
    dw c_rd, 0x1001
    dw c_rd12, 0x1800
    dw c_rdend, 0xFFFE
    dw c_sense, 0xFFFE
    dw c_bad, 0xFFFE
    dw c_sense, 0xFFFE
    dw c_inq, 0xFFFE
    dw c_tur, 0
    dw 0
times 510-($-$$) db 0
dw 0xAA55
