// `npm run kernel -- [options] FILE`: run a multiboot test kernel (or a raw ROM) headless. Guest output on ports
// E9 and COM1 goes to stdout; the exit status says how the guest stopped (see --help).
import { readFileSync, existsSync, statSync } from "node:fs";
import { basename } from "node:path";
import { createCore } from "./machine/node.ts";
import { LoadError, loadMultiboot, loadRom, runKernel, attachKernelDevices, formatTrace, type ModuleSpec } from "./machine/multiboot.ts";

const HELP = `usage: npm run kernel -- [options] FILE

Runs a Multiboot v1 kernel (ELF32 or a.out kludge) in flat 32-bit protected mode, or with --rom a raw ROM image
from the reset vector (F000:FFF0).

options:
  --mem MB              RAM size in MiB (default 128)
  --cmdline STR         kernel command line (multiboot info)
  --module FILE[=STR]   load a module, with an optional command line (repeatable)
  --rom FILE@ADDR       run a raw ROM image mapped at ADDR (hex with 0x); a ROM ending at 1 MiB is mirrored
                        below 4 GiB. With --rom, FILE is not needed. ADDR defaults to 1 MiB minus the size.
  --post                print POST codes written to ports 80h and 190h as "POST xx" lines
  --timeout SEC         stop after SEC seconds of wall-clock time (default 10)
  --trace N             print the last N executed instructions when the guest stops
  --debug               use the checked debug build of the core
  --help                this text

output: bytes written to port E9h and COM1 (3F8h) go to stdout; messages from the runner go to stderr.
exit status: (v << 1) | 1 when the guest writes v to port F4h (QEMU isa-debug-exit); 0 on HLT with interrupts
disabled; 2 on a triple fault (with a register dump); 3 on timeout (also for HLT with interrupts enabled,
since there is no timer to wake the CPU yet); 1 on a usage or file error.`;

function fail(msg: string): never {
  process.stderr.write(`kernel: ${msg}\n`);
  process.exit(1);
}

function readInput(path: string, what: string): Uint8Array {
  if (!existsSync(path)) fail(`${what} ${path}: no such file`);
  if (!statSync(path).isFile()) fail(`${what} ${path}: not a file`);
  return new Uint8Array(readFileSync(path));
}

function parseNumber(s: string, what: string): number {
  const v = /^0x[0-9a-f]+$/i.test(s) ? parseInt(s, 16) : /^\d+(\.\d+)?$/.test(s) ? Number(s) : NaN;
  if (!Number.isFinite(v)) fail(`${what}: not a number: ${s}`);
  return v;
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  let mem = 128, cmdline: string | undefined, rom: string | undefined, post = false, timeout = 10, trace = 0, debug = false;
  const modules: { path: string; cmdline?: string }[] = [];
  let file: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    const value = () => { if (i + 1 >= args.length) fail(`${a} needs a value`); return args[++i]; };
    switch (a) {
      case "--help": case "-h": process.stdout.write(HELP + "\n"); return 0;
      case "--mem": mem = parseNumber(value(), "--mem"); break;
      case "--cmdline": cmdline = value(); break;
      case "--module": { const v = value(); const eq = v.indexOf("="); modules.push(eq < 0 ? { path: v } : { path: v.slice(0, eq), cmdline: v.slice(eq + 1) }); break; }
      case "--rom": rom = value(); break;
      case "--post": post = true; break;
      case "--timeout": timeout = parseNumber(value(), "--timeout"); break;
      case "--trace": trace = parseNumber(value(), "--trace"); break;
      case "--debug": debug = true; break;
      default:
        if (a.startsWith("-")) fail(`unknown option ${a} (see --help)`);
        if (file) fail(`only one kernel file may be given (${file}, ${a})`);
        file = a;
    }
  }
  if (!file && !rom) fail("no kernel file given (see --help)");
  if (file && rom) fail("give either a kernel file or --rom, not both");
  if (!Number.isInteger(mem) || mem < 2 || mem > 2000) fail(`--mem must be a whole number of MiB between 2 and 2000`);

  const core = await createCore(mem * 1024 * 1024, debug ? "debug" : "release");
  attachKernelDevices(core);
  try {
    if (rom) {
      const at = rom.lastIndexOf("@");
      const path = at < 0 ? rom : rom.slice(0, at);
      const bytes = readInput(path, "ROM");
      const addr = at < 0 ? 0x100000 - Math.ceil(bytes.length / 4096) * 4096 : parseNumber(rom.slice(at + 1), "--rom address");
      if (addr < 0) fail(`ROM image too large for the area below 1 MiB (${bytes.length} bytes); give an address`);
      loadRom(core, bytes, addr);
    } else {
      const image = readInput(file!, "kernel");
      const mods: ModuleSpec[] = modules.map((m) => ({ name: basename(m.path), bytes: readInput(m.path, "module"), cmdline: m.cmdline ?? m.path }));
      loadMultiboot(core, image, { cmdline: cmdline ?? file!, modules: mods });
    }
  } catch (e) {
    if (e instanceof LoadError) fail(`${file ?? rom}: ${e.message}`);
    throw e;
  }
  if (trace > 0) core.exports.setTrace(1);

  process.on("SIGINT", () => core.exports.requestHostExit());
  // guest text and POST codes in the order the guest wrote them; a POST line starts on a line of its own
  let atLineStart = true;
  const result = await runKernel(core, {
    timeoutMs: timeout * 1000,
    onOutput: (b) => { process.stdout.write(b); atLineStart = b[b.length - 1] === 10; },
    onPost: post ? (c) => { process.stdout.write(`${atLineStart ? "" : "\n"}POST ${c.toString(16).padStart(2, "0")}\n`); atLineStart = true; } : undefined,
  });
  if (result.reason !== "debug-exit" && result.reason !== "hlt") process.stderr.write(`kernel: ${result.detail}\n`);
  if (trace > 0) process.stderr.write(`last ${trace} instructions:\n${formatTrace(core, trace)}\n`);
  return result.status;
}

main().then((status) => {
  // Let stdout drain before exiting (it is asynchronous when it is a pipe).
  process.stdout.write("", () => process.exit(status));
}, (e) => {
  process.stderr.write(`kernel: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
