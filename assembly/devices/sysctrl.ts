// System control ports: port 92h (PS/2 "system control port A": bit 1 opens the A20 gate, a rising edge of bit 0
// resets the processor) and port CF9h (the PIIX3 reset control register: writing bit 2 resets, bit 1 chooses a
// hard reset of the system over a soft one). A reset here restarts the processor at the reset vector and makes
// run() return EXIT_RESET so the host knows; devices keep their state (a hard reset of them comes with the rest
// of the platform).
import { A20_MASK, EXIT_RESET, DEV_SYSCTRL } from "../layout";
import { tlbFlushAll } from "../cpu/paging";
import { resetCpu } from "../cpu/reset";
import { requestExit } from "../machine_events";

const S_PORT92: u32 = 0; // u8: port 92h as last written
const S_CF9: u32 = 1; // u8: reset control register bits 1 and 3

export function sysctrlReset(): void {
  store<u8>(DEV_SYSCTRL + S_PORT92, 0x02); // A20 open, as the machine starts (machine.ts init)
  store<u8>(DEV_SYSCTRL + S_CF9, 0);
}

/** Open or close the A20 gate (also the 8042's output port, later). TLB entries hold translated pages. */
export function setA20Gate(open: bool): void {
  store<u32>(A20_MASK, open ? 0xFFFFFFFF : 0xFFEFFFFF);
  tlbFlushAll();
}

function resetMachine(): void {
  resetCpu();
  requestExit(EXIT_RESET);
}

export function sysctrlRead(port: u32): u32 {
  if (port == 0x92) return (<u32>load<u8>(DEV_SYSCTRL + S_PORT92) & ~2) | (load<u32>(A20_MASK) == 0xFFFFFFFF ? 2 : 0);
  if (port == 0xCF9) return load<u8>(DEV_SYSCTRL + S_CF9);
  return 0xFF;
}

export function sysctrlWrite(port: u32, v: u32): void {
  v &= 0xFF;
  if (port == 0x92) {
    const old = <u32>load<u8>(DEV_SYSCTRL + S_PORT92);
    store<u8>(DEV_SYSCTRL + S_PORT92, <u8>v);
    if (((old ^ v) & 2) != 0 || (load<u32>(A20_MASK) == 0xFFFFFFFF) != ((v & 2) != 0)) setA20Gate((v & 2) != 0);
    if ((v & 1) != 0 && (old & 1) == 0) resetMachine(); // fast reset on the rising edge
    return;
  }
  if (port == 0xCF9) {
    store<u8>(DEV_SYSCTRL + S_CF9, <u8>(v & 0x0A));
    if ((v & 4) != 0) resetMachine();
  }
}
