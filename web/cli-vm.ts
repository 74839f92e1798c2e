// `npm run vm -- [options]`: the PC headless in Node, with QEMU-like options (web/node/vm-options.ts parses them;
// docs/runner.md documents them). COM1 is the terminal; the screen can be saved as PNG or printed as text on exit.
import { readFileSync, existsSync, statSync, openSync, writeSync, closeSync, writeFileSync } from "node:fs";
import { join, dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { deflateSync } from "node:zlib";
import { PC, PCError, type DiskSpec, type StopReason } from "./machine/pc.ts";
import { wasmPath } from "./machine/node.ts";
import { checkDiskImage, OverlayDisk, DiskImageError } from "./machine/disks.ts";
import { encodePNG } from "./machine/png.ts";
import { FileDisk, FileDiskError } from "./node/file-disk.ts";
import { parseArgs, resolvePlan, helpText, UsageError, type FileRef, type Manifest, type OutputTarget, type Plan } from "./node/vm-options.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const EXIT_OK = 0, EXIT_FAIL = 1, EXIT_USAGE = 2;

/** A file or image problem: exit status 2 with this message. */
class InputError extends Error {}

/** Parts of the PC interface that arrive with the keyboard and VGA work; the runner checks for them. */
interface ScreenAndKeys {
  screenText?(): string[] | null;
  screenshot?(): { width: number; height: number; rgba: Uint8Array };
  displayMode?(): { kind: "off" | "text" | "graphics"; width: number; height: number; bpp?: number };
  typeText?(text: string): Promise<void>;
}
const screenText = (pc: PC): string[] | null => (pc as unknown as ScreenAndKeys).screenText?.() ?? null;
const displayKind = (pc: PC): string => {
  const m = (pc as unknown as ScreenAndKeys).displayMode?.();
  return m ? `${m.kind}${m.kind === "graphics" ? ` ${m.width}x${m.height}` : ""}` : "unknown (no VGA read-out in this build)";
};

let rawTerminal = false;
/** Messages from the runner go to stderr; in raw mode a line needs CR LF. */
function say(msg: string): void {
  process.stderr.write("vm: " + (rawTerminal ? msg.replace(/\n/g, "\r\n") + "\r\n" : msg + "\n"));
}

function restoreTerminal(): void {
  if (rawTerminal && process.stdin.isTTY) {
    try { process.stdin.setRawMode(false); } catch { /* the terminal is gone */ }
  }
  rawTerminal = false;
}

function readInput(ref: FileRef, what: string): Uint8Array {
  if (!existsSync(ref.path)) {
    throw new InputError(ref.fromImages ? `${what} ${ref.path} is missing: run \`npm run images\` to build public/images` : `${what} ${ref.path}: no such file`);
  }
  try {
    if (!statSync(ref.path).isFile()) throw new InputError(`${what} ${ref.path}: not a file`);
    const bytes = new Uint8Array(readFileSync(ref.path));
    if (bytes.length === 0) throw new InputError(`${what} ${ref.path}: the file is empty`);
    return bytes;
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`${what} ${ref.path}: ${(e as NodeJS.ErrnoException).code === "EACCES" ? "permission denied" : (e as Error).message}`);
  }
}

function loadManifest(dir: string): Manifest | null {
  const path = join(dir, "manifest.json");
  if (!existsSync(path)) return null;
  try { return JSON.parse(readFileSync(path, "utf8")) as Manifest; } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message}); run \`npm run images\``);
  }
}

/** The output side of -serial / -debugcon. */
function openTarget(t: OutputTarget | undefined, what: string): { write(b: Uint8Array): void; close(): void } {
  if (!t || t.kind === "none") return { write() {}, close() {} };
  if (t.kind === "stdio") return { write(b) { process.stdout.write(b); }, close() {} };
  let fd: number;
  try { fd = openSync(t.path, "w"); } catch (e) { throw new InputError(`${what} file:${t.path}: ${(e as Error).message}`); }
  return { write(b) { writeSync(fd, b); }, close() { closeSync(fd); } };
}

const decoder = new TextDecoder("latin1");

/** Screen rows without trailing blanks, and without the empty rows at the bottom. */
function trimScreen(rows: string[]): string[] {
  const out = rows.map((r) => r.replace(/\s+$/, ""));
  while (out.length && out[out.length - 1] === "") out.pop();
  return out;
}

async function openDisks(plan: Plan, closers: (() => void)[]): Promise<DiskSpec[]> {
  const specs: DiskSpec[] = [];
  for (const d of plan.drives) {
    const what = d.media === "cdrom" ? "CD image" : d.media === "floppy" ? "floppy image" : "disk image";
    if (!existsSync(d.file.path)) {
      throw new InputError(d.file.fromImages ? `${what} ${d.file.path} is missing: run \`npm run images\` to build public/images` : `${what} ${d.file.path} (-${d.media === "cdrom" ? "cdrom" : d.drive}): no such file`);
    }
    let file: FileDisk;
    try {
      // CDs are read-only media; images from public/images are never written (copy-on-write below)
      file = new FileDisk(d.file.path, { readOnly: d.media === "cdrom" || d.snapshot || d.file.fromImages });
    } catch (e) {
      throw new InputError(`${what} ${(e as Error).message}`);
    }
    closers.push(() => file.close());
    try {
      for (const w of await checkDiskImage(d.file.path, d.media, file)) say(`warning: ${w}`);
    } catch (e) {
      if (e instanceof DiskImageError) throw new InputError(e.message);
      throw e;
    }
    let backend: DiskSpec["backend"] = file;
    if (d.media !== "cdrom" && (d.snapshot || d.file.fromImages)) backend = new OverlayDisk(file);
    else if (d.media !== "cdrom" && file.readOnly) {
      say(`note: ${d.file.path} is not writable (${file.readOnlyReason}); the guest sees a write-protected disk (-snapshot lets it write to a temporary copy)`);
    }
    specs.push({ drive: d.drive, media: d.media, backend });
  }
  return specs;
}

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) { process.stdout.write(helpText() + "\n"); return EXIT_OK; }
  const imagesDir = resolve(args.images ?? join(root, "public", "images"));
  const plan = resolvePlan(args, loadManifest(imagesDir), imagesDir);

  const closers: (() => void)[] = [];
  const bios = readInput(plan.bios, "firmware");
  const vgaBios = plan.vgaBios ? readInput(plan.vgaBios, "VGA BIOS") : undefined;
  const kernel = plan.kernel ? readInput(plan.kernel, "kernel") : undefined;
  const initrd = plan.initrd ? readInput(plan.initrd, "initrd") : undefined;
  const linuxBootRom = plan.kernel && plan.linuxBoot ? readInput(plan.linuxBoot, "option ROM") : undefined;
  const multibootRom = plan.kernel && plan.multibootRom ? readInput(plan.multibootRom, "option ROM") : undefined;
  const disks = await openDisks(plan, closers);
  const wasmFile = wasmPath(args.debug ? "debug" : "release");
  if (!existsSync(wasmFile)) throw new InputError(`${wasmFile} is missing: run \`node --import tsx tools/build-wasm.ts\` (npm run vm does it)`);

  const serialTargets = args.serial.length ? args.serial : [{ kind: "stdio" } as OutputTarget];
  const serialOut = serialTargets.map((t, i) => openTarget(t, `-serial (COM${i + 1})`));
  const debugOut = openTarget(args.debugcon, "-debugcon");
  closers.push(...serialOut.map((s) => () => s.close()), () => debugOut.close());

  // serial text seen so far (COM1), for --until, --type-after and the timeout report
  let serialText = "";
  const keep = 1 << 18;
  const pc = await PC.create({
    memoryMiB: plan.memoryMiB,
    bios, vgaBios, kernel, initrd, append: plan.append, linuxBootRom, multibootRom,
    clock: args.clock,
    boot: plan.boot, bootMenu: plan.bootMenu,
    disks,
    timeOfDay: args.rtcBase,
    wasm: readFileSync(wasmFile),
    onSerial: (port, bytes) => {
      serialOut[port]?.write(bytes);
      if (port === 0) {
        serialText += decoder.decode(bytes);
        if (serialText.length > keep * 2) serialText = serialText.slice(-keep);
      }
    },
    onDebug: (bytes) => debugOut.write(bytes),
    onReset: (why) => {
      if (args.noReboot) { say(`the guest reset (${why}); -no-reboot: exiting`); pc.stop(); }
      else if (/triple/.test(why)) say(`reset: ${why}`);
    },
    onDiskError: (drive, message) => say(`disk ${drive}: ${message} (the guest sees an I/O error)`),
  });

  // ---- the terminal: COM1 input, Ctrl-A commands ----
  let quit: number | null = null;
  const interactive = serialTargets[0].kind === "stdio";
  if (interactive && process.stdin.isTTY) {
    process.stdin.setRawMode(true);
    rawTerminal = true;
    process.on("exit", restoreTerminal);
  }
  let ctrlA = false;
  const screenDump = () => { const t = screenText(pc); say(t ? "screen:\n" + trimScreen(t).join("\n") : `screen: ${displayKind(pc)}, no text`); };
  if (interactive) {
    process.stdin.on("data", (chunk: Buffer) => {
      if (!rawTerminal) { pc.sendSerial(0, new Uint8Array(chunk)); return; }
      const out: number[] = [];
      for (const b of chunk) {
        if (!ctrlA) { if (b === 1) ctrlA = true; else out.push(b); continue; }
        ctrlA = false;
        switch (String.fromCharCode(b).toLowerCase()) {
          case "x": say("terminated (Ctrl-A X)"); quit = EXIT_OK; pc.stop(); break;
          case "\x01": case "a": out.push(1); break;
          case "s": printStats(pc); break;
          case "t": screenDump(); break;
          case "c": say("there is no monitor; Ctrl-A H lists the keys"); break;
          case "h": default: say("Ctrl-A X quit, Ctrl-A S statistics, Ctrl-A T print the text screen, Ctrl-A A send Ctrl-A"); break;
        }
      }
      if (out.length) pc.sendSerial(0, new Uint8Array(out));
    });
    process.stdin.on("error", () => {});
  }
  const onSignal = (code: number) => () => { quit = code; pc.stop(); };
  process.on("SIGINT", onSignal(130));
  process.on("SIGTERM", onSignal(143));
  process.on("SIGHUP", onSignal(129));

  // ---- the run loop ----
  const start = Date.now();
  const seen = (text: string): boolean => {
    if (serialText.includes(text)) return true;
    const rows = screenText(pc);
    return !!rows && (rows.some((r) => r.includes(text)) || rows.join("").includes(text));
  };
  const typing = args.type !== undefined || args.send !== undefined;
  const readyText = args.typeAfter ?? plan.readyText;
  let readyAt: bigint | null = typing && !readyText ? 0n : null; // virtual ns when the guest was up
  const typeWaitNs = BigInt(Math.round((args.typeWait ?? (readyText ? 0 : 5)) * 1e9));
  let typed = !typing;
  let code: number | null = null;
  let reason: StopReason = "running";
  while (code === null) {
    reason = await pc.runSlice(20);
    if (args.until && seen(args.until)) { code = EXIT_OK; break; }
    // SeaBIOS tried every boot device: say so and stop (it would retry after a minute, to no avail)
    if (seen("No bootable device")) {
      say(`the firmware found no bootable device (boot order ${plan.boot ?? "cad"}: ${plan.drives.map((d) => `${d.drive} ${d.file.path}`).join(", ") || "no disks"}); check the images and -boot`);
      report(pc, serialText);
      code = EXIT_FAIL;
      break;
    }
    if (!typed) {
      if (readyAt === null && readyText && seen(readyText)) readyAt = pc.stats().virtualNs;
      if (readyAt !== null && pc.stats().virtualNs - readyAt >= typeWaitNs) {
        typed = true;
        if (args.send !== undefined) pc.sendSerial(0, new Uint8Array([...args.send].map((c) => c.charCodeAt(0) & 0xff)));
        // not awaited: the keys are spaced out in virtual time, which passes only while the loop runs slices
        const keys = pc as unknown as ScreenAndKeys;
        if (args.type !== undefined) {
          if (keys.typeText) keys.typeText(args.type).catch((e) => say(`--type: ${(e as Error).message}`));
          else say("--type: this build has no keyboard input yet (--send types on COM1)");
        }
      }
    }
    switch (reason) {
      case "poweroff":
        if (args.until) { say(`the guest powered off before "${args.until}" appeared`); report(pc, serialText); code = EXIT_FAIL; }
        else code = EXIT_OK;
        break;
      case "halted-forever":
        say("the guest halted with interrupts disabled and nothing can wake it");
        if (args.until) report(pc, serialText);
        code = EXIT_FAIL;
        break;
      case "stopped":
        code = quit ?? EXIT_OK; // Ctrl-A X, a signal, or a reset under -no-reboot
        break;
    }
    if (code !== null) break;
    if (args.timeout !== undefined && Date.now() - start >= args.timeout * 1000) {
      say(`timeout: ${args.timeout} s of host time passed (${(Number(pc.stats().virtualNs) / 1e9).toFixed(2)} s of guest time)${args.until ? ` without "${args.until}"` : ""}`);
      report(pc, serialText);
      code = EXIT_FAIL;
      break;
    }
    // let stdin and signals in between slices
    await new Promise((r) => setImmediate(r));
  }

  // ---- on the way out ----
  restoreTerminal();
  if (args.screenText) {
    const rows = screenText(pc);
    if (rows) process.stdout.write((serialText.endsWith("\n") || serialText === "" ? "" : "\n") + trimScreen(rows).join("\n") + "\n");
    else say(`--screen-text: no text screen (display: ${displayKind(pc)})`);
  }
  if (args.screenshot) {
    try {
      const take = (pc as unknown as ScreenAndKeys).screenshot;
      if (!take) throw new Error("this build has no VGA read-out yet");
      const shot = take.call(pc);
      writeFileSync(args.screenshot, encodePNG(shot.width, shot.height, shot.rgba, { zlib: (d) => new Uint8Array(deflateSync(d)) }));
    } catch (e) {
      say(`--screenshot ${args.screenshot}: ${(e as Error).message}`);
      if (code === EXIT_OK) code = EXIT_USAGE;
    }
  }
  if (args.stats) printStats(pc);
  for (const c of closers) { try { c(); } catch (e) { say((e as Error).message); } }
  return code ?? EXIT_OK;
}

/** What the guest showed last (for a timeout or a failed --until). */
function report(pc: PC, serialText: string): void {
  const rows = screenText(pc);
  if (rows) {
    const t = trimScreen(rows);
    say(t.length ? "last screen:\n" + t.map((r) => "  | " + r).join("\n") : "last screen: blank");
  } else say(`last screen: ${displayKind(pc)} (no text)`);
  const lines = serialText.replace(/\r/g, "").split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  say(lines.length ? "last serial output:\n" + lines.slice(-15).map((l) => "  | " + l).join("\n") : "last serial output: none");
}

function printStats(pc: PC): void {
  const s = pc.stats();
  const exits = Object.entries(s.exits).filter(([, n]) => n > 0).map(([k, n]) => `${k} ${n}`).join(", ");
  say([
    `stats: ${s.instructions} instructions, ${s.mips.toFixed(1)} guest MIPS`,
    `  virtual time ${(Number(s.virtualNs) / 1e9).toFixed(3)} s, host time ${(s.hostMs / 1000).toFixed(3)} s`,
    `  blocks ${s.blocks}; exits: ${exits || "none"}`,
    `  disk: ${s.diskReads} reads, ${s.diskWrites} writes`,
  ].join("\n"));
}

main(process.argv.slice(2)).then((status) => {
  restoreTerminal();
  process.stdout.write("", () => process.exit(status));
}, (e) => {
  restoreTerminal();
  if (e instanceof UsageError || e instanceof InputError || e instanceof FileDiskError || e instanceof DiskImageError || e instanceof PCError) {
    say(e.message);
    process.exit(EXIT_USAGE);
  }
  say(`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
  process.exit(3);
});
