// Port I/O dispatch: PORT_MAP gives the device id of every port; each device registers its ports at init.
// Unclaimed ports read as all ones and ignore writes (an ISA bus with nothing on it).
import { PORT_MAP } from "../layout";
import { debugconRead, debugconWrite } from "../devices/debugcon";
import { postcodeWrite } from "../devices/postcode";
import { debugexitWrite } from "../devices/debugexit";
import { uartRead, uartWrite } from "../devices/uart16550";
import { picRead, picWrite } from "../devices/pic8259";
import { pitRead, pitWrite, pitTimer } from "../devices/pit8254";
import { port61Read, port61Write } from "../devices/port61";
import { rtcRead, rtcWrite } from "../devices/rtc146818";
import { dmaRead, dmaWrite } from "../devices/dma8237";
import { sysctrlRead, sysctrlWrite } from "../devices/sysctrl";
import { i8042Read, i8042Write } from "../devices/i8042";
import { fdcRead, fdcWrite } from "../devices/fdc";
import { ideRead, ideWrite } from "../devices/ide";
import { vgaPortRead, vgaPortWrite } from "../devices/vga";
import { fwcfgRead, fwcfgWrite } from "../devices/fwcfg";
import { pmRead, pmWrite } from "../devices/piix4pm";
import { pciPortRead, pciPortWrite } from "./pci";
import { clockNow } from "./clock";

export const DEV_NONE: u8 = 0;
export const DEV_DEBUGCON: u8 = 1;
export const DEV_POSTCODE: u8 = 2;
export const DEV_DEBUGEXIT: u8 = 3;
export const DEV_COM1: u8 = 4;
export const DEV_PIC: u8 = 5; // both 8259s and the ELCR
export const DEV_COM2: u8 = 6;
export const DEV_PIT: u8 = 7; // ports 40h-43h
export const DEV_PORT61: u8 = 8; // port 61h
export const DEV_RTC: u8 = 9; // ports 70h-71h
export const DEV_DMA: u8 = 10; // ports 00h-0Fh, C0h-DFh and the page registers 81h-8Fh
export const DEV_SYSCTRL: u8 = 11; // port 92h (CF9h: through DEV_PCI, which owns CF8h-CFFh)
export const DEV_I8042: u8 = 12; // ports 60h and 64h
export const DEV_FDC: u8 = 13; // ports 3F0h-3F5h, 3F7h
export const DEV_IDE: u8 = 14; // 1F0h-1F7h, 3F6h, 170h-177h, 376h and the bus-master block (PCI BAR 4)
export const DEV_VGA: u8 = 15; // 3B0h-3DFh and the Bochs VBE ports 1CEh-1CFh
export const DEV_FWCFG: u8 = 16; // 510h-511h, DMA 514h-51Bh
export const DEV_PCI: u8 = 17; // CF8h-CFFh (configuration mechanism #1; CF9h bytes go to sysctrl)
export const DEV_PM: u8 = 18; // PIIX4 ACPI PM block (PCI function 1.3, PMBA) and SMBus

export function portsInit(): void { memory.fill(PORT_MAP, DEV_NONE, 0x10000); }

export function claimPorts(first: u32, count: u32, dev: u8): void {
  for (let p = first; p < first + count && p < 0x10000; p++) store<u8>(PORT_MAP + p, dev);
}

export function portRead(port: u32, size: u32): u32 {
  const dev = load<u8>(PORT_MAP + port);
  if (dev == DEV_NONE) return size == 1 ? 0xFF : size == 2 ? 0xFFFF : 0xFFFFFFFF;
  // devices that see the access width (16/32-bit data ports and registers)
  switch (dev) {
    case DEV_IDE: return ideRead(port, size);
    case DEV_VGA: return vgaPortRead(port, size);
    case DEV_FWCFG: return fwcfgRead(port, size);
    case DEV_PCI: return pciPortRead(port, size);
    case DEV_PM: return pmRead(port, size);
    default: break;
  }
  if (size > 1) {
    // devices here are 8-bit: assemble wider reads from consecutive ports
    let v: u32 = 0;
    for (let i: u32 = 0; i < size; i++) v |= portRead((port + i) & 0xFFFF, 1) << (i << 3);
    return v;
  }
  switch (dev) {
    case DEV_DEBUGCON: return debugconRead(port);
    case DEV_COM1: return uartRead(0, port - 0x3F8);
    case DEV_COM2: return uartRead(1, port - 0x2F8);
    case DEV_PIC: return picRead(port);
    case DEV_PIT: return pitRead(port, clockNow());
    case DEV_PORT61: return port61Read(clockNow());
    case DEV_RTC: return rtcRead(port, clockNow());
    case DEV_DMA: return dmaRead(port);
    case DEV_SYSCTRL: return sysctrlRead(port);
    case DEV_I8042: return i8042Read(port);
    case DEV_FDC: return fdcRead(port);
    default: return 0xFF;
  }
}

export function portWrite(port: u32, v: u32, size: u32): void {
  const dev = load<u8>(PORT_MAP + port);
  if (dev == DEV_NONE) return;
  switch (dev) {
    case DEV_DEBUGEXIT: debugexitWrite(v); return; // takes the whole value
    case DEV_IDE: ideWrite(port, v, size); return;
    case DEV_VGA: vgaPortWrite(port, v, size); return;
    case DEV_FWCFG: fwcfgWrite(port, v, size); return;
    case DEV_PCI: pciPortWrite(port, v, size); return;
    case DEV_PM: pmWrite(port, v, size); return;
    default: break;
  }
  if (size > 1) {
    for (let i: u32 = 0; i < size; i++) portWrite((port + i) & 0xFFFF, (v >> (i << 3)) & 0xFF, 1);
    return;
  }
  switch (dev) {
    case DEV_DEBUGCON: debugconWrite(v); return;
    case DEV_POSTCODE: postcodeWrite(v); return;
    case DEV_COM1: uartWrite(0, port - 0x3F8, v); return;
    case DEV_COM2: uartWrite(1, port - 0x2F8, v); return;
    case DEV_PIC: picWrite(port, v); return;
    case DEV_PIT: { const now = clockNow(); pitWrite(port, v, now); pitTimer(now); return; }
    case DEV_PORT61: port61Write(v, clockNow()); return;
    case DEV_RTC: rtcWrite(port, v, clockNow()); return;
    case DEV_DMA: dmaWrite(port, v); return;
    case DEV_SYSCTRL: sysctrlWrite(port, v); return;
    case DEV_I8042: i8042Write(port, v); return;
    case DEV_FDC: fdcWrite(port, v); return;
    default: return;
  }
}
