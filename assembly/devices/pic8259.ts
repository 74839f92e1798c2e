// Two cascaded Intel 8259A programmable interrupt controllers (8259A datasheet, "Programming the 8259A"), as on
// the PC: the master at ports 20h/21h drives the CPU's INTR, the slave at A0h/A1h sits on the master's IR2. The
// PIIX3 edge/level control registers (ELCR, ports 4D0h/4D1h) choose level sensing per input, as LTIM does per chip.
//
// Inputs are line levels (`picSetIrq`): an edge-sensed input requests on a low-to-high transition and keeps the
// request until it is acknowledged; a level-sensed input requests while its line is high. The slave's INT output
// is the master's IR2 line. Nothing here depends on time.
import { DEV_PIC } from "../layout";
import { intrUpdate } from "../bus/intc";

// state of one chip (32 bytes; master at DEV_PIC, slave at DEV_PIC + 32)
const P_IRR: u32 = 0; // interrupt request register
const P_ISR: u32 = 1; // in-service register
const P_IMR: u32 = 2; // interrupt mask register
const P_LINES: u32 = 3; // input line levels
const P_PRIO: u32 = 4; // the IR with the highest priority (rotation)
const P_BASE: u32 = 5; // vector base (ICW2, bits 7-3)
const P_ICW3: u32 = 6; // master: inputs with a slave; slave: its ID
const P_INIT: u32 = 7; // initialization step: 0 done, 2 expects ICW2, 3 ICW3, 4 ICW4
const P_ICW1: u32 = 8; // ICW1 as written (IC4, SNGL, LTIM)
const P_AEOI: u32 = 9; // ICW4 AEOI
const P_ROTATE_AEOI: u32 = 10; // rotate in automatic EOI mode (OCW2)
const P_READ_ISR: u32 = 11; // OCW3 RR/RIS: the even port reads the ISR (else the IRR)
const P_POLL: u32 = 12; // OCW3 P: the next read of the even port is a poll
const P_SMM: u32 = 13; // special mask mode (OCW3)
const P_SFNM: u32 = 14; // special fully nested mode (ICW4)
const P_ELCR: u32 = 15; // level-sensed inputs (PIIX3 ELCR)
const P_ICW4: u32 = 16;

const ICW1_IC4: u32 = 0x01;
const ICW1_SNGL: u32 = 0x02;
const ICW1_LTIM: u32 = 0x08;
const NONE: i32 = -1;
const ELCR_WRITABLE_MASTER: u32 = 0xF8; // IRQ 0-2 are always edge (PIIX3 ELCR1)
const ELCR_WRITABLE_SLAVE: u32 = 0xDE; // IRQ 8 and 13 are always edge (PIIX3 ELCR2)

// @ts-ignore: decorator
@inline function chip(slave: bool): u32 { return DEV_PIC + (slave ? 32 : 0); }
// @ts-ignore: decorator
@inline function rd(c: u32, f: u32): u32 { return <u32>load<u8>(c + f); }
// @ts-ignore: decorator
@inline function wr(c: u32, f: u32, v: u32): void { store<u8>(c + f, <u8>v); }

/** Power-on state: both chips uninitialised, everything masked off and clear. */
export function picReset(): void {
  memory.fill(DEV_PIC, 0, 64);
  wr(chip(false), P_ICW3, 0x04); // the PC's wiring, until the BIOS programs it: slave on IR2
  wr(chip(true), P_ICW3, 0x02);
}

// ---- priority resolution ---------------------------------------------------------------------------------------

/** Position (0 = highest) of the highest-priority bit set in `bits`, given the rotation; 8 when none. */
function priorityOf(c: u32, bits: u32): u32 {
  if (bits == 0) return 8;
  const top = rd(c, P_PRIO);
  for (let p: u32 = 0; p < 8; p++) if ((bits & (1 << ((top + p) & 7))) != 0) return p;
  return 8;
}

/** Levels sensed: LTIM makes every input level-sensed, ELCR individual ones. */
// @ts-ignore: decorator
@inline function levelMask(c: u32): u32 { return (rd(c, P_ICW1) & ICW1_LTIM) != 0 ? 0xFF : rd(c, P_ELCR); }

/** The IR this chip would present to the processor now, or NONE (datasheet: priority resolver, nesting). */
function pendingIr(c: u32, isMaster: bool): i32 {
  const req = rd(c, P_IRR) & ~rd(c, P_IMR) & 0xFF;
  if (req == 0) return NONE;
  const p = priorityOf(c, req);
  let inService = rd(c, P_ISR);
  if (rd(c, P_SMM) != 0) inService &= ~rd(c, P_IMR); // special mask mode: masked levels do not block others
  // special fully nested mode: a slave's in-service request does not block more requests from that slave
  if (isMaster && rd(c, P_SFNM) != 0) inService &= ~rd(c, P_ICW3);
  if (p < priorityOf(c, inService)) return <i32>((rd(c, P_PRIO) + p) & 7);
  return NONE;
}

// ---- input lines and the cascade --------------------------------------------------------------------------------

function setLine(c: u32, ir: u32, high: bool): void {
  const m: u32 = 1 << ir;
  const lines = rd(c, P_LINES);
  if (high) {
    if ((levelMask(c) & m) != 0 || (lines & m) == 0) wr(c, P_IRR, rd(c, P_IRR) | m);
    wr(c, P_LINES, lines | m);
  } else {
    if ((levelMask(c) & m) != 0) wr(c, P_IRR, rd(c, P_IRR) & ~m);
    wr(c, P_LINES, lines & ~m);
  }
}

/** The slave's INT output drives the master's cascade input. */
function updateCascade(): void {
  const m = chip(false);
  if ((rd(m, P_ICW1) & ICW1_SNGL) != 0) return;
  const icw3 = rd(m, P_ICW3);
  if (icw3 == 0) return;
  const ir = <u32>ctz(icw3);
  setLine(m, ir, pendingIr(chip(true), false) != NONE);
}

/** Set the level of interrupt line `irq` (0-15). */
export function picSetIrq(irq: u32, high: bool): void {
  if (irq >= 16) return;
  if (irq >= 8) { setLine(chip(true), irq - 8, high); updateCascade(); }
  else setLine(chip(false), irq, high);
  intrUpdate();
}

/** Is the master's INT output active (a maskable interrupt for the processor)? */
export function picIntr(): bool { return pendingIr(chip(false), true) != NONE; }

// ---- acknowledge, EOI -----------------------------------------------------------------------------------------

/** The acknowledge part of INTA (or a poll): the request becomes in service (unless AEOI). */
function acknowledgeIr(c: u32, ir: u32): void {
  const m: u32 = 1 << ir;
  if ((levelMask(c) & m) == 0) wr(c, P_IRR, rd(c, P_IRR) & ~m); // an edge request is consumed
  if (rd(c, P_AEOI) != 0) {
    if (rd(c, P_ROTATE_AEOI) != 0) wr(c, P_PRIO, (ir + 1) & 7);
  } else {
    wr(c, P_ISR, rd(c, P_ISR) | m);
  }
}

/**
 * The processor's interrupt acknowledge cycles: the vector of the highest-priority request. With no request left
 * (it went away after INTR was raised) the chip answers with its IR7 vector and sets no ISR bit (spurious).
 */
export function picAcknowledge(): u32 {
  const m = chip(false), s = chip(true);
  let vector: u32;
  const ir = pendingIr(m, true);
  if (ir == NONE) {
    vector = rd(m, P_BASE) + 7;
  } else {
    acknowledgeIr(m, <u32>ir);
    const cascaded = (rd(m, P_ICW1) & ICW1_SNGL) == 0 && (rd(m, P_ICW3) & (1 << <u32>ir)) != 0;
    if (cascaded) {
      const sir = pendingIr(s, false);
      if (sir == NONE) vector = rd(s, P_BASE) + 7;
      else { acknowledgeIr(s, <u32>sir); vector = rd(s, P_BASE) + <u32>sir; }
      updateCascade();
    } else {
      vector = rd(m, P_BASE) + <u32>ir;
    }
  }
  return vector & 0xFF;
}

/** Highest-priority in-service IR (the one a non-specific EOI ends), or NONE. */
function highestInService(c: u32): i32 {
  const isr = rd(c, P_ISR);
  if (isr == 0) return NONE;
  return <i32>((rd(c, P_PRIO) + priorityOf(c, isr)) & 7);
}

/** OCW2: EOI commands and rotation (datasheet table "Operation Command Word 2"). */
function ocw2(c: u32, v: u32): void {
  const level = v & 7;
  switch (v >> 5) {
    case 1: { const ir = highestInService(c); if (ir != NONE) wr(c, P_ISR, rd(c, P_ISR) & ~(1 << <u32>ir)); break; } // non-specific EOI
    case 3: wr(c, P_ISR, rd(c, P_ISR) & ~(1 << level)); break; // specific EOI
    case 5: { // rotate on non-specific EOI
      const ir = highestInService(c);
      if (ir != NONE) { wr(c, P_ISR, rd(c, P_ISR) & ~(1 << <u32>ir)); wr(c, P_PRIO, (<u32>ir + 1) & 7); }
      break;
    }
    case 4: wr(c, P_ROTATE_AEOI, 1); break; // rotate in AEOI mode: set
    case 0: wr(c, P_ROTATE_AEOI, 0); break; // ... clear
    case 7: wr(c, P_ISR, rd(c, P_ISR) & ~(1 << level)); wr(c, P_PRIO, (level + 1) & 7); break; // rotate on specific EOI
    case 6: wr(c, P_PRIO, (level + 1) & 7); break; // set priority: `level` becomes the lowest
    default: break; // 2: no operation
  }
}

/** OCW3: special mask mode, poll, which register the even port reads. */
function ocw3(c: u32, v: u32): void {
  if ((v & 0x40) != 0) wr(c, P_SMM, (v >> 5) & 1);
  if ((v & 0x04) != 0) wr(c, P_POLL, 1);
  if ((v & 0x02) != 0) wr(c, P_READ_ISR, v & 1);
}

/** ICW1 starts initialization (datasheet "Initialization Command Words"): the edge sense is reset, the mask
 *  cleared, IR7 gets the lowest priority, special mask mode is off and the even port reads the IRR. */
function icw1(c: u32, v: u32): void {
  wr(c, P_ICW1, v);
  wr(c, P_INIT, 2);
  wr(c, P_IMR, 0);
  wr(c, P_ISR, 0);
  wr(c, P_PRIO, 0);
  wr(c, P_SMM, 0);
  wr(c, P_READ_ISR, 0);
  wr(c, P_POLL, 0);
  wr(c, P_ROTATE_AEOI, 0);
  if ((v & ICW1_IC4) == 0) { wr(c, P_AEOI, 0); wr(c, P_SFNM, 0); wr(c, P_ICW4, 0); }
  // edge-sensed inputs must go low and high again; level-sensed ones request while high
  wr(c, P_IRR, rd(c, P_LINES) & levelMask(c));
  wr(c, P_LINES, rd(c, P_LINES) & levelMask(c));
}

function writeChip(c: u32, odd: bool, v: u32): void {
  v &= 0xFF;
  if (!odd) {
    if ((v & 0x10) != 0) icw1(c, v);
    else if ((v & 0x08) != 0) ocw3(c, v);
    else ocw2(c, v);
    return;
  }
  const step = rd(c, P_INIT);
  if (step == 0) { wr(c, P_IMR, v); return; } // OCW1
  const icw1v = rd(c, P_ICW1);
  if (step == 2) {
    wr(c, P_BASE, v & 0xF8);
    wr(c, P_INIT, (icw1v & ICW1_SNGL) == 0 ? 3 : (icw1v & ICW1_IC4) != 0 ? 4 : 0);
  } else if (step == 3) {
    wr(c, P_ICW3, v);
    wr(c, P_INIT, (icw1v & ICW1_IC4) != 0 ? 4 : 0);
  } else {
    wr(c, P_ICW4, v);
    wr(c, P_AEOI, (v >> 1) & 1);
    wr(c, P_SFNM, (v >> 4) & 1);
    wr(c, P_INIT, 0);
  }
}

/** A poll (OCW3 P, then a read of the even port): acknowledges the highest request like INTA; bit 7 = request,
 *  bits 2-0 = its level. */
function poll(c: u32, isMaster: bool): u32 {
  wr(c, P_POLL, 0);
  const ir = pendingIr(c, isMaster);
  if (ir == NONE) return 0;
  acknowledgeIr(c, <u32>ir);
  return 0x80 | <u32>ir;
}

function readChip(c: u32, odd: bool, isMaster: bool): u32 {
  if (rd(c, P_POLL) != 0) return poll(c, isMaster);
  if (odd) return rd(c, P_IMR);
  return rd(c, P_READ_ISR) != 0 ? rd(c, P_ISR) : rd(c, P_IRR);
}

// ---- ports ------------------------------------------------------------------------------------------------------

/** Ports 20h/21h, A0h/A1h, 4D0h/4D1h. */
export function picRead(port: u32): u32 {
  switch (port) {
    case 0x20: case 0x21: { const v = readChip(chip(false), port == 0x21, true); intrUpdate(); return v; } // a poll acknowledges
    case 0xA0: case 0xA1: { const v = readChip(chip(true), port == 0xA1, false); updateCascade(); intrUpdate(); return v; }
    case 0x4D0: return rd(chip(false), P_ELCR);
    case 0x4D1: return rd(chip(true), P_ELCR);
    default: return 0xFF;
  }
}

export function picWrite(port: u32, v: u32): void {
  switch (port) {
    case 0x20: case 0x21: writeChip(chip(false), port == 0x21, v); break;
    case 0xA0: case 0xA1: writeChip(chip(true), port == 0xA1, v); break;
    case 0x4D0: wr(chip(false), P_ELCR, v & ELCR_WRITABLE_MASTER); break;
    case 0x4D1: wr(chip(true), P_ELCR, v & ELCR_WRITABLE_SLAVE); break;
    default: return;
  }
  updateCascade();
  intrUpdate();
}

/** Register dump for tests and the debugger: IRR, ISR, IMR of the master (bits 0-23) or slave. */
export function picRegisters(slave: bool): u32 {
  const c = chip(slave);
  return rd(c, P_IRR) | (rd(c, P_ISR) << 8) | (rd(c, P_IMR) << 16) | (rd(c, P_PRIO) << 24);
}
