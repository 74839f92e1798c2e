; Local APIC and I/O APIC, compared with Bochs (p2_klamath has both): register write/read-back rules, self IPIs in
; priority order, TPR holding an interrupt back, ISR/PPR inside a handler, ESR, NMI by ICR, the one-shot timer
; waking HLT, IRQ 0 from the 8254 through I/O APIC pin 2. Everything is programmed here (the BIOS's APIC set-up,
; if any, does not matter); timer rates are not compared (the bus clocks differ).
; Where Bochs 2.7 differs from the SDM the kernel prints only the bits both agree on (masked below):
;  - version: Bochs reports a generic xAPIC (00050014h, six LVT entries); a P6 has 00040011h (SDM 10.4.8);
;  - LVT delivery status (bit 12) and remote IRR (bit 14) keep what was written in Bochs; read-only in the SDM
;    (10.5.1, figure 10-8);
;  - a self IPI with an illegal vector: Bochs sets "receive illegal vector" (bit 6), we set "send illegal
;    vector" (bit 5: the write to the ICR, SDM 10.5.3);
;  - I/O APIC reserved entry bits (17-55) keep what was written in Bochs; we read them as 0.
%include "lib/kernel.inc"
APIC    equ 0xFEE00000
IOAPIC  equ 0xFEC00000

%macro RD 2                             ; print "name=value" of the APIC register at offset %2
        PUTVAL %1, [APIC + %2], 32
        call newline
%endmacro
%macro IORD 2                           ; print the I/O APIC register with index %2
        mov dword [IOAPIC], %2
        PUTVAL %1, [IOAPIC + 0x10], 32
        call newline
%endmacro
%macro IOWR 2
        mov dword [IOAPIC], %1
        mov dword [IOAPIC + 0x10], %2
%endmacro
%macro IRQ_GATE 1
        SET_GATE %1, SEL_CODE0, irq_ %+ %1, 0x8E
%endmacro
%macro IRQ_STUB 1
irq_ %+ %1:
        push eax
        PUTVAL "irq", %1, 8
        call newline
        mov dword [APIC + 0xB0], 0
        pop eax
        iretd
%endmacro

main:
        IRQ_GATE 0x44
        IRQ_GATE 0x51
        IRQ_GATE 0x60
        IRQ_GATE 0x62
        IRQ_GATE 0x65
        IRQ_GATE 0x90
        SET_GATE 0xA0, SEL_CODE0, irq_a0, 0x8E
        SET_GATE 0x3F, SEL_CODE0, irq_spurious, 0x8E
        mov ecx, 0x1B
        rdmsr
        PUTVAL "apicbase", eax, 32
        call newline
        mov eax, [APIC + 0x30]
        and eax, 0xFF0000F0
        PUTVAL "version (bits 7-4)", eax, 32
        call newline
        mov dword [APIC + 0xF0], 0x1FF
        RD "svr", 0xF0
        mov dword [APIC + 0x350], 0xFFFFFFFF
        mov eax, [APIC + 0x350]
        and eax, ~0x5000
        PUTVAL "lint0", eax, 32
        call newline
        mov dword [APIC + 0x350], 0x10000
        mov dword [APIC + 0x320], 0xFFFFFFFF
        mov eax, [APIC + 0x320]
        and eax, ~0x1000
        PUTVAL "lvt timer", eax, 32
        call newline
        mov dword [APIC + 0x370], 0xFFFFFFFF
        mov eax, [APIC + 0x370]
        and eax, ~0x1000
        PUTVAL "lvt error", eax, 32
        call newline
        mov dword [APIC + 0x370], 0x10000
        mov dword [APIC + 0x3E0], 0xFFFFFFFF
        RD "divide", 0x3E0
        mov dword [APIC + 0xE0], 0
        RD "dfr", 0xE0
        mov dword [APIC + 0xE0], 0xFFFFFFFF
        mov dword [APIC + 0xD0], 0xFFFFFFFF
        RD "ldr", 0xD0
        mov dword [APIC + 0xD0], 0x01000000
        mov dword [APIC + 0x310], 0xFFFFFFFF
        RD "icr high", 0x310

        PUTLN "-- priorities"
        mov dword [APIC + 0x80], 0x45
        RD "ppr", 0xA0
        mov dword [APIC + 0x310], 0
        mov dword [APIC + 0x300], 0x40051
        mov dword [APIC + 0x300], 0x40090
        mov dword [APIC + 0x300], 0x40060
        RD "irr 40-5f", 0x220
        RD "irr 60-7f", 0x230
        RD "irr 80-9f", 0x240
        RD "apr", 0x90
        sti
        nop
        cli
        mov dword [APIC + 0x80], 0x70
        mov dword [APIC + 0x300], 0x40065
        sti
        nop
        nop
        cli
        PUTLN "held by tpr"
        mov dword [APIC + 0x80], 0
        sti
        nop
        cli
        mov dword [APIC + 0x300], 0x400A0
        sti
        nop
        cli
        RD "isr a0-bf after eoi", 0x150

        PUTLN "-- errors"
        mov dword [APIC + 0x280], 0
        mov dword [APIC + 0x300], 0x40003
        RD "esr before write", 0x280
        mov dword [APIC + 0x280], 0
        mov eax, [APIC + 0x280]
        and eax, 0x60
        setnz al
        PUTVAL "esr illegal vector", eax, 8
        call newline
        mov dword [APIC + 0x280], 0
        RD "esr cleared", 0x280

        PUTLN "-- timer"
        mov dword [APIC + 0x3E0], 0xB
        mov dword [APIC + 0x320], 0x44
        mov dword [APIC + 0x380], 1000
        sti
        hlt
        cli
        RD "current count", 0x390

        PUTLN "-- io apic"
        IORD "ioapic version", 1
        IOWR 0, 0x0F000000
        IORD "ioapic id", 0
        IOWR 0x10, 0xFFFFFFFF
        mov dword [IOAPIC], 0x10
        mov eax, [IOAPIC + 0x10]
        and eax, 0x1FFFF
        PUTVAL "entry 0 low", eax, 32
        call newline
        IOWR 0x11, 0xFFFFFFFF
        mov dword [IOAPIC], 0x11
        mov eax, [IOAPIC + 0x10]
        and eax, 0xFF000000
        PUTVAL "entry 0 high", eax, 32
        call newline
        IOWR 0x10, 0x10000
        IOWR 0, 0
        IOWR 0x15, 0                    ; pin 2: IRQ 0 (the 8254), vector 62h, edge, APIC 0
        IOWR 0x14, 0x62
        mov al, 0x34                    ; counter 0, mode 2, 1 ms
        out 0x43, al
        mov al, 0xA9
        out 0x40, al
        mov al, 0x04
        out 0x40, al
        sti
        hlt
        cli
        IOWR 0x14, 0x10062
        RD "isr 60-7f", 0x170

        PUTLN "-- nmi"
        TRY "nmi with the self shorthand (invalid: fixed only)"
        mov dword [APIC + 0x300], 0x40400
        nop
        nop
        ENDTRY
        TRY "nmi to physical destination 0"
        mov dword [APIC + 0x310], 0
        mov dword [APIC + 0x300], 0x00400
        nop
        nop
        ENDTRY
        FINISH

IRQ_STUB 0x44
IRQ_STUB 0x51
IRQ_STUB 0x60
IRQ_STUB 0x62
IRQ_STUB 0x65
IRQ_STUB 0x90

irq_a0:
        push eax
        PUTLN "irq=A0"
        RD "isr a0-bf", 0x150
        RD "ppr in a0", 0xA0
        mov dword [APIC + 0xB0], 0
        pop eax
        iretd

irq_spurious:
        PUTLN "spurious"
        iretd
