// The interface between `npm run bench:compare` (bench/compare.ts) and each contender module in bench/contenders/:
// a module exports a Contender (as its default export, as `contender`, or as its own top-level members).

/** What every contender is given: the same files (public/images), scale and limits. */
export interface RunOptions {
  /** Directory with bios.bin, vgabios-stdvga.bin, vmlinuz, initrd.gz, cpubench, linuxboot.bin. */
  imagesDir: string;
  /** The same directory (the name bench/contenders/v86.ts reads). */
  images: string;
  /** Guest RAM in MiB (128 for every contender). */
  memoryMiB: number;
  /** The kernel command line of the default Linux profile (without webpc.run). */
  cmdline: string;
  /** Give up after this much wall time (ms); the result is then { ok: false, error: "timed out ..." }. */
  timeoutMs: number;
}

export interface CpuOptions extends RunOptions {
  /** cpubench's scale argument (1 = the default work). Only the native run can take another: the guest's
   *  `webpc.run=` is one word, so guests run the program without arguments (scale 1). */
  scale: number;
  /** Run inside the guest: `webpc.run=` + this (the init script runs it, prints WEBPC-RUN-EXIT n, powers off). */
  program: string;
}
export type BootOptions = RunOptions;

export interface KernelTime { ms: number; checksum: string }

/** Counters of the emulator that ran (ours: instructions, blocks translated; JIT counters later). */
export type Counters = Record<string, number | null>;

export type CpuResult =
  | { ok: true; kernels: Record<string, KernelTime>; totalMs: number; peakRssMiB?: number; mips?: number; counters?: Counters }
  | { ok: false; error: string };

export type BootResult =
  | { ok: true; promptMs: number; peakRssMiB?: number; mips?: number; counters?: Counters }
  | { ok: false; error: string };

export interface Contender {
  name: string;
  /** null when it can run here, else why not (a missing program, package or file, and what to do). */
  available(): Promise<string | null>;
  cpu(opts: CpuOptions): Promise<CpuResult>;
  boot(opts: BootOptions): Promise<BootResult>;
  /** Exact version of the peer (QEMU --version, the v86 package version), for the JSON record. */
  version?(): Promise<string | null>;
}
