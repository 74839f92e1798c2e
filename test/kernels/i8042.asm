; The 8042 keyboard controller with its PS/2 keyboard and mouse, programmed through ports 60h/64h with interrupts
; off (IBM PC AT and PS/2 technical references): controller commands (self test, interface tests, command byte,
; output port, D2h/D3h loop-back), the keyboard's and the mouse's answers to their commands, with and without
; the set 2 -> set 1 translation, and the status register's AUXB flag ("a" after a byte means status bit 5 was
; set when it was read). Every reply is read by polling OBF with a generous timeout, so the firmware's and the
; emulators' byte timing does not matter. Host keys cannot reach an oracle: test/i8042.test.ts covers scan codes.
; oracle: qemu Bochs 2.7 as configured by the harness has a plain PS/2 mouse (no IntelliMouse ID 03h) and does not translate the F0h 00h reply
%include "lib/kernel.inc"

TIMEOUT equ 300000

main:
        mov al, 0xAD                    ; quiesce whatever the firmware left: both interfaces off, no interrupts
        call kbc_cmd
        mov al, 0xA7
        call kbc_cmd
        call flush
        mov al, 0x60
        call kbc_cmd
        mov al, 0x30
        call kbc_data
        call flush

        PUTS "AA self test:"
        mov al, 0xAA
        call cmd_show
        PUTS "AB kbd interface test:"
        mov al, 0xAB
        call cmd_show
        PUTS "A9 aux interface test:"
        mov al, 0xA9
        call cmd_show
        mov al, 0x60
        call kbc_cmd
        mov al, 0x30
        call kbc_data
        PUTS "20 command byte:"
        mov al, 0x20
        call cmd_show
        mov al, 0xAE                    ; keyboard interface on
        call kbc_cmd
        PUTS "20 after AE:"
        mov al, 0x20
        call cmd_show
        mov al, 0xA8                    ; aux interface on
        call kbc_cmd
        PUTS "20 after A8:"
        mov al, 0x20
        call cmd_show
        PUTS "D0 output port bit 1:"
        mov al, 0xD0
        call kbc_cmd
        call recv
        and al, 0x02
        call show_al
        call newline
        PUTS "D2 5A:"
        mov al, 0xD2
        call kbc_cmd
        mov al, 0x5A
        call kbc_data
        call show
        PUTS "D3 A5:"
        mov al, 0xD3
        call kbc_cmd
        mov al, 0xA5
        call kbc_data
        call show

        ; the keyboard, no translation
        PUTS "kbd FF reset:"
        mov al, 0xFF
        call kbd_show
        PUTS "kbd F5:"
        mov al, 0xF5
        call kbd_show
        PUTS "kbd F2 identify:"
        mov al, 0xF2
        call kbd_show
        PUTS "kbd EE echo:"
        mov al, 0xEE
        call kbd_show
        PUTS "kbd ED 02 LEDs:"
        mov al, 0xED
        call kbd_data_only
        mov al, 0x02
        call kbd_show
        PUTS "kbd F3 20 typematic:"
        mov al, 0xF3
        call kbd_data_only
        mov al, 0x20
        call kbd_show
        PUTS "kbd F0 00 get set:"
        mov al, 0xF0
        call kbd_data_only
        mov al, 0x00
        call kbd_show
        PUTS "kbd F0 01 set 1:"
        mov al, 0xF0
        call kbd_data_only
        mov al, 0x01
        call kbd_show
        PUTS "kbd F0 00 get set:"
        mov al, 0xF0
        call kbd_data_only
        mov al, 0x00
        call kbd_show
        PUTS "kbd F0 02 set 2:"
        mov al, 0xF0
        call kbd_data_only
        mov al, 0x02
        call kbd_show
        ; with translation
        mov al, 0x60
        call kbc_cmd
        mov al, 0x40
        call kbc_data
        PUTS "xlate kbd F2 identify:"
        mov al, 0xF2
        call kbd_show
        PUTS "xlate kbd F0 00 get set:"
        mov al, 0xF0
        call kbd_data_only
        mov al, 0x00
        call kbd_show
        PUTS "xlate D2 83:"
        mov al, 0xD2
        call kbc_cmd
        mov al, 0x83
        call kbc_data
        call show
        mov al, 0x60
        call kbc_cmd
        mov al, 0x00
        call kbc_data

        ; the mouse
        PUTS "aux FF reset:"
        mov al, 0xFF
        call aux_show
        PUTS "aux F2 id:"
        mov al, 0xF2
        call aux_show
        PUTS "aux F3 C8 F3 64 F3 50:"
        mov al, 0xF3
        call aux_send
        mov al, 200
        call aux_send
        mov al, 0xF3
        call aux_send
        mov al, 100
        call aux_send
        mov al, 0xF3
        call aux_send
        mov al, 80
        call aux_show
        PUTS "aux F2 id:"
        mov al, 0xF2
        call aux_show
        PUTS "aux E9 status:"
        mov al, 0xE9
        call aux_show
        PUTS "aux E8 03 E7 F3 28:"
        mov al, 0xE8
        call aux_send
        mov al, 0x03
        call aux_send
        mov al, 0xE7
        call aux_send
        mov al, 0xF3
        call aux_send
        mov al, 40
        call aux_show
        PUTS "aux E9 status:"
        mov al, 0xE9
        call aux_show
        PUTS "aux F4 enable E9:"
        mov al, 0xF4
        call aux_send
        mov al, 0xE9
        call aux_show
        PUTS "aux F0 remote EB:"
        mov al, 0xF0
        call aux_send
        mov al, 0xEB
        call aux_show
        PUTS "aux F6 E9:"
        mov al, 0xF6
        call aux_send
        mov al, 0xE9
        call aux_show
        PUTS "aux EE wrap 33 EC:"
        mov al, 0xEE
        call aux_send
        mov al, 0x33
        call aux_send
        mov al, 0xEC
        call aux_show
        PUTS "aux FF reset:"
        mov al, 0xFF
        call aux_show
        PUTS "aux F2 id:"
        mov al, 0xF2
        call aux_show
        FINISH

; ---- helpers ----------------------------------------------------------------------------------------------
kbc_wait:                               ; wait until the input buffer is empty (status bit 1)
        push eax
        push ecx
        mov ecx, TIMEOUT
.w:     in al, 0x64
        test al, 2
        jz .ok
        dec ecx
        jnz .w
.ok:    pop ecx
        pop eax
        ret
kbc_cmd:
        call kbc_wait
        out 0x64, al
        ret
kbc_data:
        call kbc_wait
        out 0x60, al
        ret
recv:                                   ; al = next byte, bl = status when it was read; CF = timeout
        push ecx
        mov ecx, TIMEOUT
.w:     in al, 0x64
        test al, 1
        jnz .got
        dec ecx
        jnz .w
        pop ecx
        stc
        ret
.got:   mov bl, al
        in al, 0x60
        pop ecx
        clc
        ret
flush:
        call recv
        jnc flush
        ret
show_al:                                ; " XX", "a" when bl has AUXB
        call space
        call puthex8
        test bl, 0x20
        jz .n
        push eax
        mov al, 'a'
        out 0xE9, al
        pop eax
.n:     ret
show:                                   ; every byte until a timeout, then a newline
        call recv
        jc .end
        call show_al
        jmp show
.end:   call newline
        ret
cmd_show:
        call kbc_cmd
        jmp show
kbd_data_only:                          ; a byte to the keyboard, its answer shown on the same line
        call kbc_data
.r:     call recv
        jc .end
        call show_al
        jmp .r
.end:   ret
kbd_show:
        call kbc_data
        jmp show
aux_send:                               ; D4h + byte, answers shown
        push eax
        mov al, 0xD4
        call kbc_cmd
        pop eax
        call kbc_data
.r:     call recv
        jc .end
        call show_al
        jmp .r
.end:   ret
aux_show:
        call aux_send
        call newline
        ret
