// The memory map of the machine: every address the core uses is defined here and nowhere else.
//
// Linear memory (imported from the host, so the host can read buffers and snapshot it):
//
//   0x0000_0000  AssemblyScript static data (checked at init to end below STATE_BASE)
//   0x0010_0000  STATE         CPU and device state (all guest-visible state except RAM/ROM/VRAM)
//   0x0011_0000  IO_BUFFERS    the output stream the host drains (serial, debug console, POST codes)
//   0x0012_0000  PORT_MAP      device id per I/O port (64 Ki x u8)
//   0x0013_0000  TRACE_RING    last executed instructions (for --trace and the debugger)
//   0x0014_0000  DISK_BUFFERS  one sector buffer per drive (disk request/complete with the host)
//   0x0020_0000  BLOCK_HASH    block cache hash buckets
//   0x0024_0000  JIT_BUFFER    the JIT writes each module here before the host compiles it (jit/cache.ts)
//   0x0028_0000  JIT_SLOTS     per slot of the JIT's part of the function table: the block it runs (and its serial)
//   0x0040_0000  TLB           one i32 per virtual page (1 Mi entries)
//   0x0080_0000  TLB_LIST      virtual pages currently filled in the TLB (for fast flushes)
//   0x0090_0000  BLOCKS        block descriptors
//   0x0180_0000  PHYS_PAGE_TYPE  per 4 KiB physical page (whole 4 GiB): RAM / ROM / MMIO device id
//   0x0190_0000  PAGE_BLOCKS   per 4 KiB page of *linear memory* (host page): head of the list of blocks
//                              decoded from it. Blocks are keyed by host address, so RAM and ROM code both work.
//   0x0200_0000  ROM           firmware images (BIOS, option ROMs)
//   0x0210_0000  VRAM          video memory: 16 MiB of VGA/VBE memory, then the RGBA picture (devices/vga.ts)
//   0x0400_0000  INSNS         decoded instruction records (the block arena)
//   0x0600_0000  RAM           guest physical RAM starts here
//   RAM + size    FWCFG_BLOBS   fw_cfg file contents (kernel, initrd, tables), appended by the host (devices/fwcfg.ts)
//
// All region bases are 4 KiB aligned so that a TLB entry can fold "host page - guest page" into its upper bits.

// ---- regions ---------------------------------------------------------------------------------------------
export const STATE_BASE: u32 = 0x0010_0000;
export const STATE_SIZE: u32 = 0x0001_0000;
export const IO_BUFFERS: u32 = 0x0011_0000;
export const PORT_MAP: u32 = 0x0012_0000;
export const TRACE_RING: u32 = 0x0013_0000;
export const TRACE_ENTRIES: u32 = 2048; // 32 bytes each
// Sector buffers of the disk drives (bus/disk.ts): the host writes read data here and reads write data from here
export const DISK_BUFFERS: u32 = 0x0014_0000;
export const DISK_BUFFER_SIZE: u32 = 0x0002_0000; // 128 KiB per drive: DISK_DRIVES (6) x this ends at BLOCK_HASH
export const BLOCK_HASH: u32 = 0x0020_0000;
export const BLOCK_HASH_BITS: u32 = 16; // 64 Ki buckets x 4 bytes
export const JIT_BUFFER: u32 = 0x0024_0000;
export const JIT_BUFFER_SIZE: u32 = 0x0004_0000;
export const JIT_SLOTS: u32 = 0x0028_0000; // JIT_SLOTS_MAX x u32: block index + 1 (0 = free)
export const JIT_SLOT_USED: u32 = 0x0029_0000; // JIT_SLOTS_MAX x u8: ran since the clock hand last passed
export const JIT_SLOTS_MAX: u32 = 0x4000;
// JIT_SLOTS_MAX x u32: the serial number of the region compiled into each slot (0 = free): a block that is a
// member of that region may enter it only while its B_JIT_SERIAL still matches (jit/cache.ts)
export const JIT_SLOT_SERIAL: u32 = 0x0029_4000;
export const TLB: u32 = 0x0040_0000;
export const TLB_LIST: u32 = 0x0080_0000;
export const TLB_LIST_MAX: u32 = 0x0004_0000 / 4 - 1; // entries before a full clear is cheaper
export const BLOCKS: u32 = 0x0090_0000;
export const BLOCK_DESC_SIZE: u32 = 64;
export const BLOCKS_MAX: u32 = 0x00F0_0000 / BLOCK_DESC_SIZE; // 240 Ki blocks
export const INSNS: u32 = 0x0400_0000;
export const INSN_SIZE: u32 = 16;
export const INSNS_MAX: u32 = 0x0200_0000 / INSN_SIZE; // 2 Mi records
export const PHYS_PAGE_TYPE: u32 = 0x0180_0000; // 1 Mi x u8
export const PAGE_BLOCKS: u32 = 0x0190_0000; // 1 Mi x u32 (block index + 1, 0 = none)
export const ROM: u32 = 0x0200_0000;
export const ROM_SIZE: u32 = 0x0010_0000;
export const VRAM: u32 = 0x0210_0000;
export const VRAM_SIZE: u32 = 0x01F0_0000;
export const RAM: u32 = 0x0600_0000;

// ---- CPU state (offsets are absolute addresses) -------------------------------------------------------------
// General registers, in encoding order. A "register offset" in a decoded instruction is the byte offset from REGS:
// 32-bit and 16-bit register r is at REGS + 4r; 8-bit registers AL,CL,DL,BL are at 4r, AH,CH,DH,BH at 4(r-4)+1.
export const REGS: u32 = STATE_BASE + 0x000; // 8 x i32: EAX ECX EDX EBX ESP EBP ESI EDI
export const REG_ZERO: u32 = STATE_BASE + 0x020; // always 0: "no base / no index" in address computation
export const ZERO_OFF: u32 = 0x20;
export const EIP: u32 = STATE_BASE + 0x024;
export const EFLAGS: u32 = STATE_BASE + 0x028; // non-lazy bits; arithmetic bits valid where not in LF_MASK
export const LF_OP: u32 = STATE_BASE + 0x02c; // lazy flags: operation kind and size
export const LF_RES: u32 = STATE_BASE + 0x030;
export const LF_A: u32 = STATE_BASE + 0x034;
export const LF_B: u32 = STATE_BASE + 0x038;
export const LF_MASK: u32 = STATE_BASE + 0x03c; // which arithmetic flags must be computed from LF_*

// Segment registers ES CS SS DS FS GS (indices 0-5); index 6 is a flat pseudo-segment (base 0, no checks).
export const SEG_SEL: u32 = STATE_BASE + 0x040; // 8 x i32
export const SEG_BASE: u32 = STATE_BASE + 0x060; // 8 x i32
export const SEG_LIMIT: u32 = STATE_BASE + 0x080; // 8 x i32 (byte granular, already scaled by G)
export const SEG_ACCESS: u32 = STATE_BASE + 0x0a0; // 8 x i32: descriptor bits 8-23 of the high dword (type..G)
// Fast-path segment checks: an access [ea, ea+size-1] passes if i64(ea+size-1) <= limit. -1 forces the slow
// check (expand-down, unusable, not readable / not writable), which raises the right fault or allows the access.
export const SEG_RLIMIT: u32 = STATE_BASE + 0x0c0; // 8 x i64
export const SEG_WLIMIT: u32 = STATE_BASE + 0x100; // 8 x i64
export const SEG_VALID: u32 = STATE_BASE + 0x140; // 8 x i32: 0 = null/unusable in protected mode

export const GDTR_BASE: u32 = STATE_BASE + 0x160;
export const GDTR_LIMIT: u32 = STATE_BASE + 0x164;
export const IDTR_BASE: u32 = STATE_BASE + 0x168;
export const IDTR_LIMIT: u32 = STATE_BASE + 0x16c;
export const LDTR_SEL: u32 = STATE_BASE + 0x170;
export const LDTR_BASE: u32 = STATE_BASE + 0x174;
export const LDTR_LIMIT: u32 = STATE_BASE + 0x178;
export const LDTR_ACCESS: u32 = STATE_BASE + 0x17c;
export const TR_SEL: u32 = STATE_BASE + 0x180;
export const TR_BASE: u32 = STATE_BASE + 0x184;
export const TR_LIMIT: u32 = STATE_BASE + 0x188;
export const TR_ACCESS: u32 = STATE_BASE + 0x18c;

export const CR0: u32 = STATE_BASE + 0x190;
export const CR2: u32 = STATE_BASE + 0x194;
export const CR3: u32 = STATE_BASE + 0x198;
export const CR4: u32 = STATE_BASE + 0x19c;
export const DR: u32 = STATE_BASE + 0x1a0; // 8 x i32: DR0-DR7
export const CPL: u32 = STATE_BASE + 0x1c0;
export const MODE_FLAGS: u32 = STATE_BASE + 0x1c4; // MODE_* bits below, recomputed on every mode change
export const A20_MASK: u32 = STATE_BASE + 0x1c8; // 0xFFFFFFFF or 0xFFEFFFFF
export const HALTED: u32 = STATE_BASE + 0x1cc;
export const INT_SHADOW: u32 = STATE_BASE + 0x1d0; // SHADOW_* bits (cpu/state.ts) until the next instruction completes
export const NMI_PENDING: u32 = STATE_BASE + 0x1d4;
export const NMI_MASKED: u32 = STATE_BASE + 0x1d8; // between NMI delivery and the next IRET
export const TLB_READ_MASK: u32 = STATE_BASE + 0x1dc; // TLB entry bits that must be exactly TLB_VALID for a fast read
export const TLB_WRITE_MASK: u32 = STATE_BASE + 0x1e0;
export const MEM_SIZE: u32 = STATE_BASE + 0x1e4; // guest RAM size in bytes
export const RESET_COUNT: u32 = STATE_BASE + 0x1e8;
// bit s: segment s has base 0 and read and write limits of 4 GiB (cpu/segments.ts updateFlat): compiled code
// that assumed it skips the limit check and the base (jit/emit.ts emitFastAddressIn)
export const SEG_FLAT_MASK: u32 = STATE_BASE + 0x1ec;
export const ICOUNT: u32 = STATE_BASE + 0x1f0; // i64: instructions executed since power-on
export const TSC_OFFSET: u32 = STATE_BASE + 0x1f8; // i64: TSC = virtual time in ns (a 1 GHz counter) + TSC_OFFSET

// MSRs
export const MSR_SYSENTER_CS: u32 = STATE_BASE + 0x200;
export const MSR_SYSENTER_ESP: u32 = STATE_BASE + 0x204;
export const MSR_SYSENTER_EIP: u32 = STATE_BASE + 0x208;
export const MSR_APIC_BASE: u32 = STATE_BASE + 0x20c;
export const MSR_MISC_ENABLE: u32 = STATE_BASE + 0x210;
export const MSR_PAT: u32 = STATE_BASE + 0x218; // i64
export const MSR_MTRR_DEF_TYPE: u32 = STATE_BASE + 0x220;
export const MSR_MTRR: u32 = STATE_BASE + 0x228; // 16 x i64 variable-range base/mask + 11 fixed = 27 x 8 bytes
export const MSR_BIOS_SIGN_ID: u32 = STATE_BASE + 0x300; // i64

// The processor's INTR input (bus/intc.ts): the master PIC's INT output or the host's test source
export const INTR_LINE: u32 = STATE_BASE + 0x310; // 1 while a maskable interrupt is requested
export const INTR_VECTOR: u32 = STATE_BASE + 0x314; // the test source's vector
export const INTR_TEST: u32 = STATE_BASE + 0x3e4; // 1 while the host's test source requests (machine.ts setIntr)
export const TSC_LAST: u32 = STATE_BASE + 0x3e8; // u64: the last TSC value read (cpu/msr.ts: it never repeats)
export const EXIT_REQUEST: u32 = STATE_BASE + 0x318; // non-zero: leave run() at the next block boundary
export const TRIPLE_FAULTS: u32 = STATE_BASE + 0x31c;
export const LAST_EXIT_DETAIL: u32 = STATE_BASE + 0x320;
export const CPUID_LEVEL: u32 = STATE_BASE + 0x324; // reserved for CPU model selection
export const EXC_VECTOR: u32 = STATE_BASE + 0x328; // pending exception raised by the current instruction
export const EXC_CODE: u32 = STATE_BASE + 0x32c;
export const EXC_HAS_CODE: u32 = STATE_BASE + 0x330;
export const EXC_NESTING: u32 = STATE_BASE + 0x334; // class of the exception being delivered (double-fault logic)
export const ROM_WINDOWS: u32 = STATE_BASE + 0x340; // 8 x {phys start, size, rom offset, unused} (bus/physmem.ts)
export const ROM_WINDOW_COUNT: u32 = STATE_BASE + 0x3c0;
export const IO_PERM_CHECKS: u32 = STATE_BASE + 0x3c4;
export const EXC_LOG_POS: u32 = STATE_BASE + 0x3c8; // count of exceptions logged (ring of EXC_LOG_ENTRIES)
// Debug exception pending at the next instruction boundary (cpu/debug.ts): DR6 bits B0-B3/BS/BT to report, plus
// bit 16 when an enabled breakpoint matched. Set by data/I/O breakpoints, single-step and the TSS T bit.
export const DEBUG_PENDING: u32 = STATE_BASE + 0x3e0;
export const EXC_LOG: u32 = STATE_BASE + 0x700; // 16 x {vector, error code, CS, EIP} (debugging, test messages)
export const EXC_LOG_ENTRIES: u32 = 16;

// x87 FPU (cpu/fpu): 8 physical registers as 80-bit images, control/status/tag and pointers
// (STATE_BASE + 0x408 .. 0x43f: free; it held f64 working values before the registers became 80-bit only)
// The virtual time at which the processor's current slice of run() ends (machine.ts run): a timer armed for an
// earlier moment cuts the slice short (bus/timers.ts timerSet), so it fires on time.
export const SLICE_END_NS: u32 = STATE_BASE + 0x400; // u64
export const FPU_RAW: u32 = STATE_BASE + 0x440; // 8 x 16 bytes, physical register order: significand u64, sign+exponent u16
export const FPU_CW: u32 = STATE_BASE + 0x4c0;
export const FPU_SW: u32 = STATE_BASE + 0x4c4; // without TOP
export const FPU_TOP: u32 = STATE_BASE + 0x4c8;
export const FPU_TAG: u32 = STATE_BASE + 0x4cc; // 2 bits per physical register
export const FPU_FIP: u32 = STATE_BASE + 0x4d0;
export const FPU_FCS: u32 = STATE_BASE + 0x4d4;
export const FPU_FDP: u32 = STATE_BASE + 0x4d8;
export const FPU_FDS: u32 = STATE_BASE + 0x4dc;
export const FPU_FOP: u32 = STATE_BASE + 0x4e0;
// STATE_BASE + 0x4e4: free (was a "raw image valid" bit per register)
export const FPU_MXCSR: u32 = STATE_BASE + 0x4e8;
export const FPU_SCRATCH: u32 = STATE_BASE + 0x4f0; // 16 bytes of scratch for conversions
export const FPU_FERR: u32 = STATE_BASE + 0x500; // 1: FERR# asserted (unmasked x87 exception with CR0.NE = 0; IRQ13)
export const FPU_RESTORE_TMP: u32 = STATE_BASE + 0x580; // 128 bytes: registers read by FRSTOR/FXRSTOR before commit

// Counters exposed to the host (i64 each)
export const CNT_BLOCKS_TRANSLATED: u32 = STATE_BASE + 0x600;
export const CNT_BLOCK_HITS: u32 = STATE_BASE + 0x608;
export const CNT_INVALIDATIONS: u32 = STATE_BASE + 0x610;
export const CNT_CACHE_FLUSHES: u32 = STATE_BASE + 0x618;
export const CNT_TLB_MISSES: u32 = STATE_BASE + 0x620;
export const CNT_EXCEPTIONS: u32 = STATE_BASE + 0x628;
export const CNT_INTERRUPTS: u32 = STATE_BASE + 0x630;
export const CNT_UNCACHED_INSNS: u32 = STATE_BASE + 0x638;
export const CNT_STRING_RUNS: u32 = STATE_BASE + 0x640; // runs of REP MOVS/STOS/LODS done at once (string_bulk.ts)
// The JIT tier (jit/cache.ts)
export const CNT_JIT_COMPILED: u32 = STATE_BASE + 0x648; // blocks compiled to wasm
export const CNT_JIT_BYTES: u32 = STATE_BASE + 0x650; // bytes of wasm emitted
export const CNT_JIT_EVICTIONS: u32 = STATE_BASE + 0x658; // compiled blocks dropped to make room
export const CNT_JIT_FAILURES: u32 = STATE_BASE + 0x660; // modules the host could not compile (a core bug)
export const CNT_JIT_RUNS: u32 = STATE_BASE + 0x668; // entries into compiled blocks
export const CNT_JIT_INSNS: u32 = STATE_BASE + 0x670; // instructions executed by compiled blocks
export const CNT_JIT_UNFIT: u32 = STATE_BASE + 0x678; // compiled blocks dropped (or members' entries: jit/cache.ts): they assumed a segment flat that was not

// Block cache bookkeeping
export const BLK_COUNT: u32 = STATE_BASE + 0x680; // descriptors in use
export const BLK_INSN_TOP: u32 = STATE_BASE + 0x684; // next free instruction record index
export const TLB_LIST_COUNT: u32 = STATE_BASE + 0x688;
export const TRACE_POS: u32 = STATE_BASE + 0x68c;
export const TRACE_ENABLED: u32 = STATE_BASE + 0x690;
// JIT settings and bookkeeping (jit/cache.ts)
export const JIT_THRESHOLD: u32 = STATE_BASE + 0x694; // executions before a block is compiled; 0xFFFFFFFF = off
export const JIT_TABLE_BASE: u32 = STATE_BASE + 0x698; // function-table index of slot 0 (set by the host)
export const JIT_SLOT_COUNT: u32 = STATE_BASE + 0x69c; // slots the host made room for (0 = no JIT)
export const JIT_CLOCK_HAND: u32 = STATE_BASE + 0x6a0; // next slot the eviction clock looks at
export const JIT_TOKENS: u32 = STATE_BASE + 0x6a8; // i64: bytes of wasm the compile budget still allows
export const JIT_TOKENS_AT: u32 = STATE_BASE + 0x6b0; // u64: ICOUNT when the budget was last refilled
// Most instructions per block, 1..64 (0 = 64). Tests set 1 so that single-instruction suites run compiled blocks.
export const BLOCK_INSN_LIMIT: u32 = STATE_BASE + 0x6b8;
export const JIT_SERIAL: u32 = STATE_BASE + 0x6bc; // serial number of the last region compiled (jit/cache.ts)
export const CNT_JIT_MEMBER_RUNS: u32 = STATE_BASE + 0x6c0; // entries into compiled regions at a member, not the root
// Copy of STATE_BASE..+0x1a0 (registers, segments, tables, CR0-CR4; EFLAGS materialised) taken just before the
// reset that follows a triple fault, so the host can print the state that caused it.
export const TRIPLE_FAULT_STATE: u32 = STATE_BASE + 0x800;
export const TRIPLE_FAULT_STATE_SIZE: u32 = 0x1a0;

// Device state areas (one slice per device, platform issue fills these)
export const DEV_STATE: u32 = STATE_BASE + 0x1000;
export const DEV_DEBUGCON: u32 = DEV_STATE + 0x000; // 16 bytes
export const DEV_UART0: u32 = DEV_STATE + 0x040; // 64 bytes per UART
export const DEV_TESTDEV: u32 = DEV_STATE + 0x140;
// 8254 PIT (devices/pit8254.ts), 0xC0 bytes: counter n at DEV_PIT + 64 * n (n = 0-2); port 61h follows.
// Per counter (times are ticks of the 1.193182 MHz input clock since virtual time 0; NEVER = all ones):
//   +0  u64 origin       tick at which the counting element (CE) holds N (NEVER: nothing loaded / stopped)
//   +8  u64 freeze       tick when GATE went low (NEVER while GATE is high); later ticks do not count
//   +16 u64 pendingAt    modes 2/3: tick at which the count written during counting is loaded (NEVER: none)
//   +24 u64 transfer     tick of the CR -> CE transfer that ends the null count
//   +32 u32 n            the count being counted (1..65536 binary, 1..10000 BCD)
//   +36 u32 pendingN     the count loaded at pendingAt
//   +40 u16 cr           count register as written by the CPU
//   +42 u16 latch        output latch (counter latch / read-back)
//   +44 u8  ctrl         control word bits 5-0 (RW1 RW0 M2 M1 M0 BCD) as written
//   +45 u8  flags        PF_* bits (pit8254.ts): gate, flip-flops, latches, null count, count written
//   +46 u8  status       latched status byte
//   +47 u8  crLow        LSB of a two-byte count waiting for its MSB
//   +48 u16 preCE        CE value read before `origin` (count not loaded yet, or stopped)
//   +50 u8  preOut       OUT level before `origin`
//   +56 u64 pendingOrigin modes 2/3: the origin that takes effect at pendingAt
export const DEV_PIT: u32 = DEV_STATE + 0x400;
export const DEV_PORT61: u32 = DEV_PIT + 0xC0; // port 61h (devices/port61.ts): +0 u8 bits 0-3 as written
export const DEV_PIC: u32 = DEV_STATE + 0x500; // 64 bytes: master, slave (devices/pic8259.ts)
// The virtual clock (bus/clock.ts): time = CLOCK_BASE_NS + (ICOUNT - CLOCK_BASE_ICOUNT) * rate
export const CLOCK_BASE_NS: u32 = DEV_STATE + 0x600; // u64
export const CLOCK_BASE_ICOUNT: u32 = DEV_STATE + 0x608; // u64
export const CLOCK_NS_PER_INSN: u32 = DEV_STATE + 0x610; // u32, nanoseconds per instruction in 16.16 fixed point
// Timer deadlines (bus/timers.ts): TIMER_SLOTS x u64 virtual time in ns, all ones = not armed
export const TIMERS: u32 = DEV_STATE + 0x640;
export const DEV_RTC: u32 = DEV_STATE + 0x700; // 192 bytes (devices/rtc146818.ts)
export const DEV_DMA: u32 = DEV_STATE + 0x800; // 160 bytes: 8 channels x 16, 2 controllers x 16 (devices/dma8237.ts)
export const DEV_SYSCTRL: u32 = DEV_STATE + 0x8C0; // 16 bytes: port 92h, CF9h (devices/sysctrl.ts)
export const TIMER_SLOTS: u32 = 16; // 16 x u64 from TIMERS (bus/timers.ts names the slots)
// The rest of the platform (one slice each; sizes are upper bounds the device must stay within)
export const DEV_I8042: u32 = DEV_STATE + 0x900; // 256 bytes: 8042 controller, PS/2 keyboard and mouse (devices/i8042.ts)
export const DEV_FDC: u32 = DEV_STATE + 0xA00; // 256 bytes: floppy controller and drives (devices/fdc.ts)
export const DEV_FWCFG: u32 = DEV_STATE + 0xB00; // 256 bytes: fw_cfg selector, offsets, DMA (devices/fwcfg.ts)
export const DEV_PM: u32 = DEV_STATE + 0xC00; // 64 bytes: PIIX4 ACPI power management (devices/piix4pm.ts)
export const DEV_CHIPSET: u32 = DEV_STATE + 0xC40; // 64 bytes: i440FX / PIIX3 side state (devices/i440fx.ts, piix3.ts)
// PCI (bus/pci.ts): +0 u32 CONFIG_ADDRESS (port CF8h), +4 u32 function count, +0x10 PCI_MAX_FUNCS x u32
// {devfn, owner}; configuration spaces at PCI_FUNCS, PCI_FUNC_SIZE each: 256 bytes of registers then 256 bytes
// of write masks (1 = the bit is writable by the guest).
export const PCI_STATE: u32 = DEV_STATE + 0x1000; // 256 bytes
export const PCI_FUNCS: u32 = DEV_STATE + 0x1100; // PCI_MAX_FUNCS x PCI_FUNC_SIZE
export const PCI_MAX_FUNCS: u32 = 8;
export const PCI_FUNC_SIZE: u32 = 0x200;
export const DEV_IDE: u32 = DEV_STATE + 0x2100; // 1 KiB: two channels, two drives each, bus-master DMA (devices/ide.ts)
export const DEV_VGA: u32 = DEV_STATE + 0x2500; // 2 KiB: VGA registers, DAC, VBE, display state (devices/vga.ts)
export const DEV_LAPIC: u32 = DEV_STATE + 0x2D00; // 1 KiB: the local APIC's register page (devices/lapic.ts)
export const DEV_IOAPIC: u32 = DEV_STATE + 0x3100; // 256 bytes (devices/ioapic.ts)
// Disk drives and their requests to the host (bus/disk.ts): DISK_DRIVES x DISK_SLOT bytes
export const DISKS: u32 = DEV_STATE + 0x3200;
export const DISK_DRIVES: u32 = 6; // fda, fdb, hda, hdb, hdc, hdd (bus/disk.ts DRIVE_*)
export const DISK_SLOT: u32 = 64;
export const FWCFG_ITEMS: u32 = DEV_STATE + 0x3400; // 2 KiB: fw_cfg items (devices/fwcfg.ts)
export const FWCFG_ITEMS_SIZE: u32 = 0x800;
// DEV_STATE + 0x3C00 .. STATE_BASE + STATE_SIZE: free

// ---- MODE_FLAGS bits ---------------------------------------------------------------------------------------
export const MODE_PROT: i32 = 1; // CR0.PE
export const MODE_V86: i32 = 2; // EFLAGS.VM (with PE)
export const MODE_CS32: i32 = 4; // default operand/address size 32
export const MODE_SS32: i32 = 8; // stack address size 32
export const MODE_PAGING: i32 = 16;

// ---- I/O buffer: what the guest wrote to the output channels, drained by the host ----------------------------
// One stream for all channels, so the host sees the bytes in the order the guest wrote them:
// [u32 count][u16 entries: channel << 8 | byte], OUTPUT_SIZE bytes in total. run() exits with EXIT_OUTPUT when
// it is half full.
export const OUTPUT_SIZE: u32 = 0x10000;
export const OUTPUT_MAX: u32 = (OUTPUT_SIZE - 4) >> 1; // entries
export const OUTPUT_EXIT_AT: u32 = OUTPUT_MAX / 2; // ask the host to drain from here on
export const CH_DEBUGCON: u32 = 0; // port 0xE9
export const CH_COM1: u32 = 1;
export const CH_COM2: u32 = 2;
export const CH_POST: u32 = 3; // POST codes (ports 0x80, 0x190)
export const CHANNELS: u32 = 8;

// ---- exit reasons of run() (also EXIT_REQUEST values) ------------------------------------------------------
export const EXIT_BUDGET: i32 = 0; // the instruction budget is used up
export const EXIT_HLT: i32 = 1; // HLT with interrupts enabled: host may skip ahead to the next timer event
export const EXIT_HLT_CLI: i32 = 2; // HLT with interrupts disabled (only an NMI or reset can wake it)
export const EXIT_TRIPLE_FAULT: i32 = 3; // the machine was reset after a triple fault
export const EXIT_OUTPUT: i32 = 4; // an output channel needs draining
export const EXIT_DEBUG_EXIT: i32 = 5; // the guest wrote to the debug-exit port; LAST_EXIT_DETAIL = value
export const EXIT_HOST_REQUEST: i32 = 6; // the host asked the machine to stop
export const EXIT_RESET: i32 = 7; // the guest reset the machine (port 0x92, 0xCF9, keyboard controller)
export const EXIT_BREAKPOINT: i32 = 8; // debugger breakpoint
export const EXIT_DISK: i32 = 9; // a drive asked the host for data (bus/disk.ts): serve diskPending() drives
export const EXIT_POWEROFF: i32 = 10; // the guest switched the machine off (ACPI S5, APM)
export const EXIT_RESLICE: i32 = 11; // internal to run(): a timer was armed inside the current slice; never returned

// ---- physical page types (PHYS_PAGE_TYPE) --------------------------------------------------------------
export const PT_RAM: u8 = 0; // RAM (only below MEM_SIZE)
export const PT_ROM: u8 = 1; // read from the ROM area (bus/physmem.ts ROM windows), writes ignored
export const PT_UNMAPPED: u8 = 2; // reads all ones, writes ignored
// Shadow RAM states of the i440FX PAM registers (0xC0000-0xFFFFF): reads from RAM, writes ignored; reads from
// the ROM window, writes go to the RAM underneath.
export const PT_RAM_READONLY: u8 = 3;
export const PT_ROM_WRITE_RAM: u8 = 4;
export const PT_MMIO_FIRST: u8 = 16; // 16.. = MMIO device ids (bus/mmio.ts)

// ---- decoded instruction record (INSN_SIZE bytes) -------------------------------------------------------
export const I_HANDLER: u32 = 0; // u16 handler id (cpu/generated/dispatch.ts)
export const I_LEN: u32 = 2; // u8 instruction length in bytes
export const I_FLAGS: u32 = 3; // u8 IF_* bits below
export const I_REG: u32 = 4; // u8 ModRM.reg as register byte offset, or the raw field for Sw/Cd/Dd/groups
export const I_RM: u32 = 5; // u8 register form: register byte offset; memory form: base register offset
export const I_INDEX: u32 = 6; // u8 index register offset (ZERO_OFF when none)
export const I_SIB: u32 = 7; // u8 bits 0-1 scale shift, bits 4-6 segment index
export const I_DISP: u32 = 8; // i32 displacement (or far selector / ENTER level)
export const I_IMM: u32 = 12; // i32 immediate (or far offset)

export const IF_A32: u8 = 1; // 32-bit addressing
export const IF_REP: u8 = 2; // F3
export const IF_REPNE: u8 = 4; // F2
export const IF_LOCK: u8 = 8;
export const IF_SEGOVR: u8 = 16; // a segment override prefix was present
export const IF_O32: u8 = 32; // 32-bit operand size
export const IF_MEM: u8 = 64; // ModRM operand is memory
