// What the teaching panel shows, as plain data: the types the machine side (web/machine/debugger.ts) produces and
// the page (web/app/teaching-panel.ts) displays, and the names both use. No dependencies, so the page can import
// it without the disassembler's opcode tables.
import type { RegName, SegName } from "./core.ts";

/** EFLAGS bits by name (Intel SDM Vol. 1 3.4.3, Vol. 3A 2.3). IOPL (bits 12-13) is a number, see CpuView.iopl. */
export const FLAG_BITS = {
  CF: 0, PF: 2, AF: 4, ZF: 6, SF: 7, TF: 8, IF: 9, DF: 10, OF: 11, NT: 14, RF: 16, VM: 17, AC: 18, VIF: 19, VIP: 20, ID: 21,
} as const;
export type FlagName = keyof typeof FLAG_BITS;
export const FLAG_NAMES = Object.keys(FLAG_BITS) as FlagName[];

/** What each flag means, for tooltips. */
export const FLAG_TITLES: Record<FlagName, string> = {
  CF: "carry", PF: "parity (low byte has an even number of 1 bits)", AF: "auxiliary carry (BCD)", ZF: "zero",
  SF: "sign", TF: "trap (single-step)", IF: "interrupts enabled", DF: "direction (string ops go down)",
  OF: "overflow", NT: "nested task", RF: "resume (skip one instruction breakpoint)", VM: "virtual-8086 mode",
  AC: "alignment check", VIF: "virtual interrupt flag", VIP: "virtual interrupt pending", ID: "CPUID available",
};

export type CpuMode = "real" | "protected-16" | "protected-32" | "virtual-8086";

export interface SegmentView { sel: number; base: number; limit: number; access: number }

/** The CPU state as a plain object (numbers are unsigned 32-bit). */
export interface CpuView {
  eip: number;
  eflags: number;
  flags: Record<FlagName, boolean>;
  iopl: number;
  regs: Record<RegName, number>;
  segs: Record<SegName, SegmentView>;
  cr0: number; cr2: number; cr3: number; cr4: number;
  gdtr: { base: number; limit: number };
  idtr: { base: number; limit: number };
  ldtr: number;
  tr: number;
  mode: CpuMode;
  /** CR0.PG */
  paging: boolean;
  cpl: number;
  /** In HLT, waiting for an interrupt (or, with IF clear, for an NMI or reset). */
  halted: boolean;
  /** The last instruction (STI, MOV SS, POP SS) holds back interrupts until the next one completes. */
  interruptShadow: boolean;
  /** The CPU's INTR input is asserted (an external interrupt is waiting; taken when IF = 1 and no shadow). */
  intrPending: boolean;
  nmiPending: boolean;
  /** Instructions executed since power-on (a Number: exact below 2^53). */
  instructions: number;
}

/** Why bytes could not be read: a linear page not present (or with reserved bits set) in the guest's page tables,
 *  physical space with no memory, or a device's MMIO registers (not read: reading them can change the device). */
export type Unreadable = "not-present" | "reserved-bits" | "no-memory" | "mmio";

export type Translation =
  | { ok: true; phys: number; pageSize: 4096 | 0x400000 | 0; writable: boolean; user: boolean }
  | { ok: false; why: Unreadable; level: "pde" | "pte" };

export type AddressSpace = "linear" | "physical";

export interface MemoryRead {
  address: number;
  space: AddressSpace;
  /** The bytes; 0 where unreadable. */
  bytes: Uint8Array;
  /** Runs of bytes that could not be read (offsets into `bytes`), and why. */
  unreadable: { offset: number; length: number; why: Unreadable }[];
}

export interface DisasmLine {
  /** Linear address of the first byte; null when unknown (a traced instruction of another protected-mode CS). */
  linear: number | null;
  cs: number;
  eip: number;
  /** "cs:eip" in hex: 4 digits of offset in 16-bit code, 8 in 32-bit code. */
  where: string;
  /** The instruction's bytes in hex, space separated. */
  bytes: string;
  text: string;
  length: number;
  /** The instruction at CS:EIP, executed next. */
  current: boolean;
  /** From the trace of instructions already executed (older than the current one). */
  executed: boolean;
  /** The code could not be read (why); text says so and length is 0. */
  unreadable?: Unreadable;
}

export const UNREADABLE_TEXT: Record<Unreadable, string> = {
  "not-present": "page not present", "reserved-bits": "page table entry with reserved bits set", "no-memory": "no memory here", mmio: "device memory (MMIO), not read",
};

/** The panel's picture of the machine: registers, code around EIP, and whether it is running. */
export interface TeachingView {
  running: boolean;
  cpu: CpuView;
  disasm: DisasmLine[];
  /** The core keeps a trace of executed instructions (so the disassembly shows the ones before EIP). */
  tracing: boolean;
}

export interface StepOptions {
  /**
   * Hold back external interrupts (INTR and NMI) while stepping (default true), as QEMU's gdbstub does by default
   * (SSTEP_NOIRQ): each step then executes the instruction at CS:EIP, as the disassembly shows. They stay
   * pending in the interrupt controllers and are taken after Continue (or a step with this false). Exceptions
   * and INT n are never held: they are what the instruction does. With false, a step at HLT (IF = 1) lets guest
   * time run to the next timer event, and the interrupt it raises wakes the CPU (a "waited" event).
   */
  holdInterrupts?: boolean;
}

export type StepEvent =
  /** An exception was delivered (the instruction faulted, or a debug trap): EIP is now in its handler. */
  | { kind: "exception"; vector: number; code: number; cs: number; eip: number }
  /** An interrupt was delivered: external (INTR/NMI, taken before the instruction) or INT n / INT3 / INTO. */
  | { kind: "interrupt"; external: boolean }
  /** The CPU was halted (HLT, IF = 1) and interrupts were not held: guest time skipped `ns` nanoseconds ahead to
   *  the next timer event, as it passes for a halted CPU, so that its interrupt could wake the CPU. */
  | { kind: "waited"; ns: number };

export type StepStop =
  | "done" // executed all `count`
  | "halted" // the CPU is in HLT: stepping cannot make it go on (only an interrupt can; see StepOptions)
  | "poweroff" | "reset" | "triple-fault" | "stopped" | "no-progress";

export interface StepResult {
  requested: number;
  /** Instructions executed (as the core counts them: a faulting instruction counts too). */
  executed: number;
  stop: StepStop;
  events: StepEvent[];
  interruptsHeld: boolean;
  /** After the step: an external interrupt is waiting (held, or masked by IF = 0). */
  interruptPending: boolean;
  /** One line for the user. */
  message: string;
}

const EXCEPTION_NAMES = ["#DE divide error", "#DB debug", "NMI", "#BP breakpoint", "#OF overflow", "#BR bound range",
  "#UD invalid opcode", "#NM no math coprocessor", "#DF double fault", "coprocessor segment overrun", "#TS invalid TSS",
  "#NP segment not present", "#SS stack fault", "#GP general protection", "#PF page fault", "reserved 15",
  "#MF x87 error", "#AC alignment check", "#MC machine check", "#XM SIMD exception"];

export function exceptionName(vector: number): string { return EXCEPTION_NAMES[vector] ?? `vector ${vector}`; }
