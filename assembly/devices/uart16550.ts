// 16550A UARTs COM1 (3F8h, IRQ 4) and COM2 (2F8h, IRQ 3) (National Semiconductor PC16550D datasheet).
// Transmit: a byte written to THR goes to the host's output channel of the port at once (the line is
// infinitely fast: THR and the shift register are empty again immediately, so THRE interrupts follow every
// write). Receive: the host delivers bytes through uartReceive into the receiver buffer or, with FIFOs on, a
// 16-byte FIFO; a full FIFO drops the byte and sets overrun. Interrupts follow the datasheet's IIR priorities
// and reach the PIC only while MCR.OUT2 is set (the PC's interrupt enable gate). Loopback (MCR bit 4) sends
// transmitted bytes to the receiver and the modem outputs to the modem inputs.
// Known simplification until the virtual clock exists: a FIFO below its trigger level reports the character
// timeout interrupt at once instead of after four character times.
// State per UART (DEV_UART0 + 64 * n): the offsets below.
import { DEV_UART0, CH_COM1 } from "../layout";
import { channelPut } from "../bus/channels";
import { setIsaIrq } from "../bus/intc";

const U_IER: u32 = 0;
const U_LCR: u32 = 1;
const U_MCR: u32 = 2;
const U_SCR: u32 = 3;
const U_DLL: u32 = 4;
const U_DLM: u32 = 5;
const U_FCR: u32 = 6; // FIFO enable (bit 0) and trigger level (bits 6-7) as last written
const U_LSR: u32 = 7; // the error and data-ready bits (THRE/TEMT are always 1)
const U_MSR: u32 = 8; // modem status: delta bits 0-3, lines 4-7
const U_THRI: u32 = 9; // 1: a THR-empty interrupt is pending (until IIR reports it or THR is written)
const U_COUNT: u32 = 10; // bytes in the receive FIFO (at most 1 without FIFOs)
const U_HEAD: u32 = 11; // index of the oldest byte
const U_IRQ: u32 = 12; // the level driven on the PIC line
const U_FIFO: u32 = 16; // 16 bytes

const FIFO_SIZE: u32 = 16;
const LSR_DR: u32 = 0x01, LSR_OE: u32 = 0x02, LSR_THRE: u32 = 0x20, LSR_TEMT: u32 = 0x40;
const IER_RDA: u32 = 1, IER_THRE: u32 = 2, IER_RLS: u32 = 4, IER_MS: u32 = 8;
const MCR_OUT2: u32 = 0x08, MCR_LOOP: u32 = 0x10;
const MSR_LINES_CONNECTED: u32 = 0xB0; // DCD DSR CTS: a host terminal is attached; RI low

// @ts-ignore: decorator
@inline function st(n: u32): u32 { return DEV_UART0 + n * 64; }
// @ts-ignore: decorator
@inline function rd(s: u32, f: u32): u32 { return <u32>load<u8>(s + f); }
// @ts-ignore: decorator
@inline function wr(s: u32, f: u32, v: u32): void { store<u8>(s + f, <u8>v); }
// @ts-ignore: decorator
@inline function irqOf(n: u32): u32 { return n == 0 ? 4 : 3; }

export function uartReset(n: u32): void {
  const s = st(n);
  memory.fill(s, 0, 64);
  wr(s, U_DLL, 12); // 9600 baud
  wr(s, U_MSR, MSR_LINES_CONNECTED);
  setIsaIrq(irqOf(n), false);
}

function fifoOn(s: u32): bool { return (rd(s, U_FCR) & 1) != 0; }

function triggerLevel(s: u32): u32 {
  switch (rd(s, U_FCR) >> 6) { case 0: return 1; case 1: return 4; case 2: return 8; default: return 14; }
}

/** The interrupt identification the IIR shows now (datasheet table "Interrupt Control Functions"); 1 = none. */
function interruptId(s: u32): u32 {
  const ier = rd(s, U_IER), count = rd(s, U_COUNT);
  if ((ier & IER_RLS) != 0 && (rd(s, U_LSR) & LSR_OE) != 0) return 0x06; // receiver line status
  if ((ier & IER_RDA) != 0 && count > 0) {
    if (!fifoOn(s) || count >= triggerLevel(s)) return 0x04; // received data available
    return 0x0C; // character timeout (at once: see the header)
  }
  if ((ier & IER_THRE) != 0 && rd(s, U_THRI) != 0) return 0x02; // transmitter holding register empty
  if ((ier & IER_MS) != 0 && (rd(s, U_MSR) & 0x0F) != 0) return 0x00; // modem status
  return 0x01;
}

/** Drive the PIC line: an interrupt is pending and OUT2 gates it through. */
function updateIrq(n: u32): void {
  const s = st(n);
  const level: u32 = (interruptId(s) & 1) == 0 && (rd(s, U_MCR) & MCR_OUT2) != 0 ? 1 : 0;
  if (level != rd(s, U_IRQ)) { wr(s, U_IRQ, level); setIsaIrq(irqOf(n), level != 0); }
}

function pushReceived(s: u32, b: u32): void {
  const cap: u32 = fifoOn(s) ? FIFO_SIZE : 1;
  const count = rd(s, U_COUNT);
  if (count >= cap) { wr(s, U_LSR, rd(s, U_LSR) | LSR_OE); return; } // overrun: the new byte is lost
  wr(s, U_FIFO + ((rd(s, U_HEAD) + count) & (FIFO_SIZE - 1)), b);
  wr(s, U_COUNT, count + 1);
}

/** A byte arriving on the line of UART `n` from the host (keyboard, a terminal). False if it was lost. */
export function uartReceive(n: u32, b: u32): bool {
  const s = st(n);
  if ((rd(s, U_MCR) & MCR_LOOP) != 0) return false; // loopback disconnects the receiver from the line
  const lost = rd(s, U_COUNT) >= (fifoOn(s) ? FIFO_SIZE : 1);
  pushReceived(s, b & 0xFF);
  updateIrq(n);
  return !lost;
}

/** Bytes the receiver can take before it overruns (the host paces its input with this, like flow control). */
export function uartRoom(n: u32): u32 {
  const s = st(n);
  if ((rd(s, U_MCR) & MCR_LOOP) != 0) return 0;
  const size: u32 = fifoOn(s) ? FIFO_SIZE : 1;
  const count = rd(s, U_COUNT);
  return count >= size ? 0 : size - count;
}

/** Modem status lines in loopback: DTR->DSR, RTS->CTS, OUT1->RI, OUT2->DCD; otherwise the host's. */
function modemLines(s: u32): u32 {
  const mcr = rd(s, U_MCR);
  if ((mcr & MCR_LOOP) == 0) return MSR_LINES_CONNECTED;
  return ((mcr & 1) << 5) | ((mcr & 2) << 3) | ((mcr & 4) << 4) | ((mcr & 8) << 4);
}

function setModemLines(s: u32, lines: u32): void {
  const old = rd(s, U_MSR);
  let delta = old & 0x0F;
  const changed = (old ^ lines) & 0xF0;
  if ((changed & 0x10) != 0) delta |= 1; // DCTS
  if ((changed & 0x20) != 0) delta |= 2; // DDSR
  if ((old & 0x40) != 0 && (lines & 0x40) == 0) delta |= 4; // TERI: RI went low
  if ((changed & 0x80) != 0) delta |= 8; // DDCD
  wr(s, U_MSR, lines | delta);
}

export function uartRead(n: u32, reg: u32): u32 {
  const s = st(n);
  const dlab = (rd(s, U_LCR) & 0x80) != 0;
  let v: u32;
  switch (reg) {
    case 0: {
      if (dlab) return rd(s, U_DLL);
      const count = rd(s, U_COUNT);
      if (count == 0) { v = 0; break; }
      const head = rd(s, U_HEAD);
      v = rd(s, U_FIFO + head);
      wr(s, U_HEAD, (head + 1) & (FIFO_SIZE - 1));
      wr(s, U_COUNT, count - 1);
      break;
    }
    case 1: return dlab ? rd(s, U_DLM) : rd(s, U_IER);
    case 2: {
      const id = interruptId(s);
      if (id == 0x02) wr(s, U_THRI, 0); // reading IIR with THRE as the source clears it
      v = id | (fifoOn(s) ? 0xC0 : 0);
      break;
    }
    case 3: return rd(s, U_LCR);
    case 4: return rd(s, U_MCR);
    case 5: {
      v = (rd(s, U_LSR) & LSR_OE) | LSR_THRE | LSR_TEMT | (rd(s, U_COUNT) > 0 ? LSR_DR : 0);
      wr(s, U_LSR, rd(s, U_LSR) & ~LSR_OE); // errors clear when read
      break;
    }
    case 6: {
      v = rd(s, U_MSR);
      wr(s, U_MSR, v & 0xF0); // delta bits clear when read
      break;
    }
    default: return rd(s, U_SCR);
  }
  updateIrq(n);
  return v;
}

export function uartWrite(n: u32, reg: u32, v: u32): void {
  const s = st(n);
  const dlab = (rd(s, U_LCR) & 0x80) != 0;
  v &= 0xFF;
  switch (reg) {
    case 0:
      if (dlab) { wr(s, U_DLL, v); return; }
      if ((rd(s, U_MCR) & MCR_LOOP) != 0) pushReceived(s, v);
      else channelPut(CH_COM1 + n, v);
      wr(s, U_THRI, 1); // sent at once: THR is empty again
      break;
    case 1: {
      if (dlab) { wr(s, U_DLM, v); return; }
      const old = rd(s, U_IER);
      wr(s, U_IER, v & 0x0F);
      // enabling the THRE interrupt while THR is empty raises it (datasheet: IER bit 1)
      if ((v & IER_THRE) != 0 && (old & IER_THRE) == 0) wr(s, U_THRI, 1);
      break;
    }
    case 2: {
      const wasOn = fifoOn(s);
      wr(s, U_FCR, v & 0xC1);
      // enabling or disabling the FIFOs, or bit 1, empties the receiver
      if ((v & 2) != 0 || wasOn != ((v & 1) != 0)) { wr(s, U_COUNT, 0); wr(s, U_HEAD, 0); }
      break;
    }
    case 3: wr(s, U_LCR, v); return;
    case 4: wr(s, U_MCR, v & 0x1F); setModemLines(s, modemLines(s)); break;
    case 7: wr(s, U_SCR, v); return;
    default: return; // LSR and MSR are read-only (factory test writes are ignored)
  }
  updateIrq(n);
}
