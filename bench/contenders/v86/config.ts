// What the v86 contender asks of v86: the same machine as ours (issue 9, "Boot to prompt"): SeaBIOS and the
// stdvga VGA BIOS from public/images, 128 MiB, direct kernel boot of our vmlinuz + initrd.gz with the console
// on COM1. Pure functions: the child process (child.mjs) turns this description into `new V86({...})`.
import { join } from "node:path";

export const MEMORY_MIB = 128;
/** BusyBox's prompt on the serial shell (images/guest/rootfs: PS1 with the hostname `webpc`). */
export const PROMPT = "webpc:/# ";
/** Printed by images/guest/init after a `webpc.run=` program: `WEBPC-RUN-EXIT <status>`. */
export const RUN_EXIT = /WEBPC-RUN-EXIT (\d+)\r?\n/;
/** First line cpubench prints: the CPU program has started (start of its MIPS window). */
export const CPUBENCH_START = "cpubench scale";
/** The console on COM1 only (v86's serial0), no self-tests of the crypto API (seconds of guest time). */
export const BASE_CMDLINE = "console=ttyS0,115200 cryptomgr.notests";

/** The files of public/images the contender uses, by v86 option name. */
export const IMAGE_FILES = { bios: "bios.bin", vga_bios: "vgabios-stdvga.bin", bzimage: "vmlinuz", initrd: "initrd.gz" } as const;

/**
 * Kernel command line. `run` becomes `webpc.run=` (images/guest/init runs it and powers off). The init splits
 * the command line at blanks, so `args` travel as `webpc.args=` with blanks turned into commas; an argument
 * containing a comma, a quote or a blank-only string cannot be expressed and is refused.
 */
export function kernelCommandLine(opts: { run?: string; args?: string } = {}): string {
  const parts = [BASE_CMDLINE];
  if (opts.run !== undefined) {
    if (!/^\/\S+$/.test(opts.run)) throw new Error(`v86: the program to run must be an absolute guest path without blanks, got "${opts.run}"`);
    parts.push(`webpc.run=${opts.run}`);
  }
  const args = opts.args?.trim() ?? "";
  if (args !== "") {
    if (opts.run === undefined) throw new Error("v86: program arguments given without a program to run");
    if (/[,"'\\]/.test(args)) throw new Error(`v86: program arguments cannot contain commas, quotes or backslashes on the kernel command line: "${args}"`);
    parts.push(`webpc.args=${args.split(/\s+/).join(",")}`);
  }
  return parts.join(" ");
}

/** Everything the child process needs, as plain JSON (passed on its command line). */
export type V86ChildConfig = {
  library: string; // absolute path of v86's build/libv86.mjs
  wasm: string; // absolute path of v86's build/v86.wasm
  memoryBytes: number;
  cmdline: string;
  files: Record<keyof typeof IMAGE_FILES, string>; // absolute paths
  jit: boolean;
  /** Serial-output strings the child reports (with the guest instruction count) when first seen. */
  marks: string[];
};

export function childConfig(opts: { images: string; library: string; wasm: string; cmdline: string; marks: string[]; jit?: boolean; memoryMiB?: number }): V86ChildConfig {
  const files = Object.fromEntries(Object.entries(IMAGE_FILES).map(([k, f]) => [k, join(opts.images, f)])) as V86ChildConfig["files"];
  return {
    library: opts.library, wasm: opts.wasm,
    memoryBytes: (opts.memoryMiB ?? MEMORY_MIB) * 1024 * 1024,
    cmdline: opts.cmdline, files, jit: opts.jit ?? true, marks: opts.marks,
  };
}
