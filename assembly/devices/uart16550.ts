// 16550A UART (National Semiconductor PC16550D datasheet). Transmit side: bytes written to THR go to the
// host channel of the port at once (the line is infinitely fast: THR and the shift register are always
// empty). Receive, FIFOs and interrupts arrive with the platform issue.
// State per UART (DEV_UART0 + 64 * n): see the offsets below.
import { DEV_UART0, CH_COM1 } from "../layout";
import { channelPut } from "../bus/channels";

const U_IER: u32 = 0;
const U_LCR: u32 = 1;
const U_MCR: u32 = 2;
const U_SCR: u32 = 3;
const U_DLL: u32 = 4;
const U_DLM: u32 = 5;
const U_FCR: u32 = 6;

// @ts-ignore: decorator
@inline function st(n: u32): u32 { return DEV_UART0 + n * 64; }

export function uartReset(n: u32): void {
  memory.fill(st(n), 0, 64);
  store<u8>(st(n) + U_DLL, 12); // 9600 baud
}

export function uartRead(n: u32, reg: u32): u32 {
  const s = st(n);
  const dlab = (load<u8>(s + U_LCR) & 0x80) != 0;
  switch (reg) {
    case 0: return dlab ? load<u8>(s + U_DLL) : 0; // RBR: nothing received
    case 1: return dlab ? load<u8>(s + U_DLM) : load<u8>(s + U_IER);
    case 2: return (load<u8>(s + U_FCR) & 1) != 0 ? 0xC1 : 0x01; // IIR: no interrupt pending
    case 3: return load<u8>(s + U_LCR);
    case 4: return load<u8>(s + U_MCR);
    case 5: return 0x60; // LSR: THR empty, transmitter empty
    case 6: return (load<u8>(s + U_MCR) & 0x10) != 0 ? 0xF0 : 0xB0; // MSR: CTS DSR DCD (loopback: all)
    default: return load<u8>(s + U_SCR);
  }
}

export function uartWrite(n: u32, reg: u32, v: u32): void {
  const s = st(n);
  const dlab = (load<u8>(s + U_LCR) & 0x80) != 0;
  switch (reg) {
    case 0: if (dlab) store<u8>(s + U_DLL, <u8>v); else channelPut(CH_COM1 + n, v & 0xFF); return;
    case 1: if (dlab) store<u8>(s + U_DLM, <u8>v); else store<u8>(s + U_IER, <u8>(v & 0x0F)); return;
    case 2: store<u8>(s + U_FCR, <u8>v); return;
    case 3: store<u8>(s + U_LCR, <u8>v); return;
    case 4: store<u8>(s + U_MCR, <u8>(v & 0x1F)); return;
    case 7: store<u8>(s + U_SCR, <u8>v); return;
    default: return;
  }
}
