// Building and running the test kernels (test/kernels/*.asm) in our emulator and in the oracles (Bochs, QEMU).
// Shared by test/kernels/oracle.ts (writes expected/<name>.txt) and test/kernels.test.ts (compares).
//
// A run's transcript is what the guest printed on port E9, followed by one marker line when the machine did not
// stop through the kernel's normal FINISH: "[triple fault]" (the kernel's test of shutdown/reset) or
// "[timeout]". Kernels declare in comments near the top:
//   ; oracle: qemu <reason>        use QEMU instead of Bochs (default) for the expected output
//   ; expect: triple-fault         the run ends in a triple fault (our runner: exit status 2)
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, openSync, closeSync, readFileSync, readdirSync, writeFileSync, existsSync, rmSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import type { JitSetting } from "../../web/machine/jit-host.ts";
import { createJitCore, jitWork, JitWork } from "../jit/force.ts";
import { loadMultiboot, runKernel, attachKernelDevices } from "../../web/machine/multiboot.ts";

export const KERNEL_DIR = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(KERNEL_DIR, "../..");
export const BUILD_DIR = join(ROOT, "build/kernels");
export const EXPECTED_DIR = join(KERNEL_DIR, "expected");

export const BOCHS_BIOS = "/usr/share/bochs/BIOS-bochs-latest";
export const VGA_BIOS = "/usr/share/vgabios/vgabios.bin";
export const BOCHS_CPU = "p2_klamath"; // Pentium II: the P6-class CPU this emulator models (DESIGN.md 3)
const ORACLE_TIMEOUT_MS = 300_000; // a hang guard only: a slow host must not change a verdict
/** Instruction budget of one test kernel in our emulator (the largest uses a few million). */
export const KERNEL_MAX_INSTRUCTIONS = 200_000_000;

export interface KernelMeta { name: string; oracle: "bochs" | "qemu"; oracleReason: string; expectTriple: boolean }

export function listKernels(): string[] {
  return readdirSync(KERNEL_DIR).filter((f) => f.endsWith(".asm")).map((f) => f.slice(0, -4)).sort();
}

export function kernelMeta(name: string): KernelMeta {
  const src = readFileSync(join(KERNEL_DIR, `${name}.asm`), "utf8");
  const q = /^;\s*oracle:\s*qemu\b\s*(.*)$/m.exec(src);
  return { name, oracle: q ? "qemu" : "bochs", oracleReason: q ? q[1].trim() : "", expectTriple: /^;\s*expect:\s*triple-fault\b/m.test(src) };
}

export function haveTool(cmd: string): boolean {
  try { execFileSync("sh", ["-c", `command -v ${cmd}`], { stdio: "ignore" }); return true; } catch { return false; }
}

/** Assemble test/kernels/<name>.asm into build/kernels/<name>.bin; returns the image bytes. */
export function buildKernel(name: string): Uint8Array {
  mkdirSync(BUILD_DIR, { recursive: true });
  const out = join(BUILD_DIR, `${name}.bin`);
  try {
    execFileSync("nasm", ["-f", "bin", "-I", KERNEL_DIR + "/", "-o", out, join(KERNEL_DIR, `${name}.asm`)], { stdio: ["ignore", "ignore", "pipe"] });
  } catch (e) {
    throw new Error(`nasm failed for ${name}.asm:\n${(e as { stderr?: Buffer }).stderr?.toString() ?? e}`);
  }
  return new Uint8Array(readFileSync(out));
}

/**
 * Run a kernel in our emulator through the same path as `npm run kernel` (loader + run loop), with the JIT tier
 * set to `jit` (default: Core.defaultJit). `jit` in the result: what the JIT did (see test/jit/force.ts).
 */
export async function runOurs(image: Uint8Array, opts: { flavour?: "release" | "debug"; timeoutMs?: number; jit?: JitSetting } = {}): Promise<{ transcript: string; status: number; detail: string; jit: JitWork }> {
  const core = await createJitCore(128 << 20, opts.flavour ?? "release", opts.jit);
  attachKernelDevices(core);
  loadMultiboot(core, image, { cmdline: "test" });
  const chunks: Uint8Array[] = [];
  // bounded by instructions, not by the host's speed (the wall-clock limit only guards against a hung host)
  const r = await runKernel(core, {
    timeoutMs: opts.timeoutMs ?? 600_000, maxInstructions: KERNEL_MAX_INSTRUCTIONS,
    onOutput: (b) => { chunks.push(b); },
  });
  let text = Buffer.concat(chunks).toString("latin1");
  if (r.reason === "triple-fault") text += "[triple fault]\n";
  else if (r.reason !== "debug-exit" && r.reason !== "hlt") text += `[${r.reason}]\n`;
  return { transcript: text, status: r.status, detail: r.detail, jit: jitWork(core) };
}

function bochsVersion(): string {
  try {
    const v = execFileSync("dpkg-query", ["-W", "-f=${Version}", "bochs"], { encoding: "utf8" });
    return `bochs ${v}`;
  } catch { return "bochs"; }
}

function qemuVersion(): string {
  return execFileSync("qemu-system-i386", ["--version"], { encoding: "utf8" }).split("\n")[0].replace("QEMU emulator version", "qemu-system-i386");
}

/** A 1.44 MB floppy: boot/floppy.asm, then the kernel image. */
function buildFloppy(name: string, image: Uint8Array): string {
  const sectors = Math.ceil(image.length / 512);
  const boot = join(BUILD_DIR, `boot-${sectors}.bin`);
  execFileSync("nasm", ["-f", "bin", `-DKERNEL_SECTORS=${sectors}`, "-o", boot, join(KERNEL_DIR, "boot/floppy.asm")], { stdio: ["ignore", "ignore", "pipe"] });
  const img = new Uint8Array(1474560);
  img.set(readFileSync(boot), 0);
  img.set(image, 512);
  const path = join(BUILD_DIR, `${name}.img`);
  writeFileSync(path, img);
  return path;
}

// stdin comes from a file: with a pipe, Debian's Bochs dies of SIGPIPE once the pipe is closed.
function run(cmd: string, args: string[], input: string, timeoutMs: number): Promise<{ stdout: string; code: number | null; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const inFile = join(BUILD_DIR, `stdin-${process.pid}.txt`);
    writeFileSync(inFile, input);
    const fd = openSync(inFile, "r");
    const p = spawn(cmd, args, { cwd: BUILD_DIR, stdio: [fd, "pipe", "ignore"] });
    closeSync(fd);
    let stdout = "", timedOut = false;
    p.stdout!.setEncoding("latin1"); // stdio[1] is "pipe", so stdout exists
    p.stdout!.on("data", (d: string) => { stdout += d; });
    const timer = setTimeout(() => { timedOut = true; p.kill("SIGKILL"); }, timeoutMs);
    p.on("error", reject);
    p.on("close", (code) => { clearTimeout(timer); resolve({ stdout, code, timedOut }); });
  });
}

/**
 * Bochs (Debian's build has its debugger enabled: "c" on stdin starts the simulation). The E9 output arrives on
 * stdout between the debugger prompt and the debugger's final location line. The kernel stops Bochs through the
 * shutdown port 8900h; a triple fault stops it too (reset_on_triple_fault=0 makes it a fatal panic).
 */
export async function runBochs(name: string, image: Uint8Array): Promise<{ transcript: string; oracle: string }> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const floppy = buildFloppy(name, image);
  const log = join(BUILD_DIR, `${name}.bochs.log`);
  const rc = join(BUILD_DIR, `${name}.bochsrc`);
  writeFileSync(rc, [
    "megs: 32",
    `romimage: file=${BOCHS_BIOS}`,
    `vgaromimage: file=${VGA_BIOS}`,
    // Debian ships no "nogui" library; rfb with timeout=0 does not wait for a VNC client.
    'display_library: rfb, options="timeout=0"',
    `floppya: 1_44=${floppy}, status=inserted`,
    "boot: floppy",
    "port_e9_hack: enabled=1",
    `cpu: model=${BOCHS_CPU}, reset_on_triple_fault=0`,
    "sound: driver=dummy",
    `log: ${log}`,
    "panic: action=fatal",
    "error: action=report",
    "info: action=report",
    "",
  ].join("\n"));
  if (existsSync(log)) rmSync(log);
  const r = await run("bochs", ["-q", "-f", rc], "c\n", ORACLE_TIMEOUT_MS);
  const start = r.stdout.indexOf("<bochs:1> c\n");
  let out = start < 0 ? "" : r.stdout.slice(start + "<bochs:1> c\n".length);
  const stop = /^\(\d+\)\.\[\d+\]/m.exec(out); // the debugger's "(0).[ticks] ..." line at exit
  if (stop) out = out.slice(0, stop.index);
  const logText = existsSync(log) ? readFileSync(log, "latin1") : "";
  if (/exception with no resolution/.test(logText)) out += "[triple fault]\n";
  else if (r.timedOut) out += "[timeout]\n";
  else if (!/Shutdown port: shutdown requested/.test(logText)) out += "[bochs stopped unexpectedly]\n";
  return { transcript: out, oracle: `${bochsVersion()} (cpu ${BOCHS_CPU})` };
}

/** QEMU TCG with -kernel (multiboot), port E9 via -debugcon, isa-debug-exit at F4, -no-reboot for triple faults. */
export async function runQemu(name: string, image: Uint8Array): Promise<{ transcript: string; oracle: string }> {
  mkdirSync(BUILD_DIR, { recursive: true });
  const bin = join(BUILD_DIR, `${name}.bin`);
  writeFileSync(bin, image);
  const con = join(BUILD_DIR, `${name}.qemu.out`);
  if (existsSync(con)) rmSync(con);
  const r = await run("qemu-system-i386", [
    "-kernel", bin, "-m", "32", "-cpu", "pentium2", "-display", "none", "-no-reboot", "-nodefaults",
    "-debugcon", `file:${con}`, "-device", "isa-debug-exit,iobase=0xf4,iosize=4",
  ], "", ORACLE_TIMEOUT_MS);
  let out = existsSync(con) ? readFileSync(con, "latin1") : "";
  if (r.timedOut) out += "[timeout]\n";
  else if (r.code === 0) out += "[triple fault]\n"; // -no-reboot: a reset request ends QEMU with status 0
  else if (r.code !== 1) out += `[qemu exit ${r.code}]\n`;
  return { transcript: out, oracle: qemuVersion() };
}

export async function runOracle(name: string, image: Uint8Array): Promise<{ transcript: string; oracle: string }> {
  return kernelMeta(name).oracle === "qemu" ? runQemu(name, image) : runBochs(name, image);
}

/** The committed expectation: first line "oracle: ...", then the transcript. */
export function readExpected(name: string): { oracle: string; transcript: string } | null {
  const p = join(EXPECTED_DIR, `${name}.txt`);
  if (!existsSync(p)) return null;
  const text = readFileSync(p, "latin1");
  const nl = text.indexOf("\n");
  return { oracle: text.slice(0, nl).replace(/^oracle:\s*/, ""), transcript: text.slice(nl + 1) };
}

export function writeExpected(name: string, oracle: string, transcript: string): void {
  mkdirSync(EXPECTED_DIR, { recursive: true });
  writeFileSync(join(EXPECTED_DIR, `${name}.txt`), `oracle: ${oracle}\n${transcript}`, "latin1");
}
