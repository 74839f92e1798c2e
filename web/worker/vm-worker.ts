// The machine's Web Worker: boots a MachinePlan with the host library the Node runner uses (web/machine/pc.ts),
// runs it in short slices on the real-time clock (wall time reaches the guest as time sync; a halted guest
// sleeps until its next timer event), and talks to the page only by messages (web/worker/protocol.ts). The
// page never waits for the machine: it sends inputs and draws whatever frames arrive.
/// <reference lib="webworker" />
import { PC, PCError } from "../machine/pc.ts";
import type { FromWorker, ToWorker, MachinePlan, Status, RunState } from "./protocol.ts";
import { FramePublisher } from "./frames.ts";
import { openDisks, type OpenedDisk } from "./disks.ts";
import { fetchBytes, FetchError } from "./fetch-bytes.ts";
import { DebugService } from "./debug-service.ts";
import wasmUrl from "../../build/machine.release.wasm?url";
import { exportDisk as exportDiskChunks } from "../storage/disk-export.ts";

declare const self: DedicatedWorkerGlobalScope;

const post = (m: FromWorker, transfer: Transferable[] = []) => self.postMessage(m, transfer);
const say = (level: "info" | "warning" | "error", text: string) => post({ type: "message", level, text });

let pc: PC | null = null;
let plan: MachinePlan | null = null;
let disks: OpenedDisk[] = [];
let frames: FramePublisher | null = null;
let debug: DebugService | null = null;
let state: RunState = "loading";
let paused = false;
/** The run loop is waiting for Continue: the machine may be stepped. */
let parked = false;
let parkWaiters: (() => void)[] = [];
let resumeWaiter: (() => void) | null = null;
let wasmModule: WebAssembly.Module | null = null;

/** A macrotask boundary without setTimeout's 4 ms clamp: lets queued messages (keys, pause) run between slices. */
const channel = new MessageChannel();
const yieldQueue: (() => void)[] = [];
channel.port1.onmessage = () => yieldQueue.shift()?.();
const yieldToEvents = () => new Promise<void>((r) => { yieldQueue.push(r); channel.port2.postMessage(0); });

self.onmessage = (e: MessageEvent<ToWorker>) => {
  const m = e.data;
  try {
    handle(m);
  } catch (err) {
    say("error", (err as Error).message);
  }
};

function handle(m: ToWorker): void {
  switch (m.type) {
    case "start": void start(m.plan, m.sharedFrame); return;
    case "pause": paused = true; pc?.core.exports.requestHostExit(); return;
    case "resume": paused = false; resumeWaiter?.(); resumeWaiter = null; return;
    case "reset": pc?.resetButton(); frames?.invalidate(); return;
    case "power-button": pc?.powerButton(); return;
    case "power-off": powerOff(); return;
    case "key": pc?.queueKey(m.code, m.down); return;
    case "mouse": pc?.core.exports.mouseInput(m.dx | 0, m.dy | 0, m.dz | 0, m.buttons & 7); return;
    case "serial-in": pc?.sendSerial(m.port, m.bytes); return;
    case "type-text": typeText(m.text, m.id); return;
    case "frame-ack": frames?.ack(m.seq); return;
    case "frame-full": frames?.invalidate(); return;
    case "page-visible": frames?.setVisible(m.visible); return;
    case "reset-disk": void resetDisk(m.drive, m.id); return;
    case "export-disk": void exportDisk(m.drive, m.id); return;
    case "debug": void debugRequest(m.id, m.request); return;
  }
}

async function start(p: MachinePlan, sharedFrame: boolean): Promise<void> {
  if (pc) { say("error", "the machine is already running: reload the page to start another"); return; }
  plan = p;
  setState("loading");
  try {
    const base = (url: string, what: string) => fetchBytes(url, what, (loaded, total) => post({ type: "progress", what, loaded, total }));
    const [wasm, bios, vgaBios, linuxBootRom, multibootRom, kernel, initrd] = await Promise.all([
      wasmModule ? Promise.resolve(null) : base(wasmUrl, "machine core"),
      base(p.bios, "BIOS"), p.vgaBios ? base(p.vgaBios, "VGA BIOS") : undefined,
      p.linuxBootRom ? base(p.linuxBootRom, "boot ROM") : undefined,
      p.multibootRom ? base(p.multibootRom, "multiboot ROM") : undefined,
      p.kernel ? base(p.kernel, "kernel") : undefined,
      p.initrd ? base(p.initrd, "initrd") : undefined,
    ]);
    if (wasm) wasmModule = await WebAssembly.compile(wasm);
    disks = await openDisks(p, {
      progress: (what, loaded, total) => post({ type: "progress", what, loaded, total }),
      warn: (text) => say("warning", text),
      error: (text) => say("error", text),
    });
    pc = await PC.create({
      wasm: wasmModule!, bios, vgaBios, linuxBootRom, multibootRom, kernel, initrd,
      append: p.cmdline, memoryMiB: p.memoryMiB, boot: p.boot || undefined,
      disks: disks.map((d) => d.spec), clock: p.clock ?? "realtime",
      onSerial: (port, bytes) => { post({ type: "serial", port, bytes }); watchReady(bytes); },
      onDebug: (bytes) => post({ type: "firmware-log", bytes }),
      onReset: (why) => say("info", `The machine was reset (${why}).`),
      onDiskError: (drive, message) => say("error", `Disk ${drive}: ${message}. The guest sees an I/O error.`),
    });
    frames = new FramePublisher(pc, sharedFrame, post);
    debug = new DebugService(pc, () => !parked);
    post({ type: "ready", sharedFrame: frames.shared });
    await runLoop();
  } catch (err) {
    const e = err as Error;
    const known = e instanceof PCError || e instanceof FetchError || e.name === "DiskImageError";
    say("error", known ? e.message : `The machine could not start: ${e.message}`);
    setState("error");
  }
}

// ---- the run loop -------------------------------------------------------------------------------------------
const SLICE_MS = 12;
const STATUS_MS = 500;
const TEXT_MS = 250;

async function runLoop(): Promise<void> {
  const machine = pc!;
  let lastStatus = performance.now(), lastText = 0;
  let lastIcount = machine.core.icount, lastIdle = machine.idleMs, lastReads = 0, lastWrites = 0;
  let lastScreen = "";
  for (;;) {
    if (paused) {
      machine.pause();
      setState("paused");
      frames!.publish(true);
      parked = true;
      for (const w of parkWaiters.splice(0)) w();
      await new Promise<void>((r) => { resumeWaiter = r; });
      parked = false;
      continue;
    }
    const r = await machine.runSlice(SLICE_MS);
    frames!.publish();
    const now = performance.now();
    if (now - lastText >= TEXT_MS) {
      lastText = now;
      const lines = machine.screenText();
      const joined = lines ? lines.join("\n") : "\u0000";
      if (joined !== lastScreen) {
        lastScreen = joined;
        post({ type: "screen-text", lines });
        if (lines) watchReady(undefined, joined);
      }
    }
    if (now - lastStatus >= STATUS_MS) {
      const dt = now - lastStatus;
      const st = machine.stats();
      const ic = machine.core.icount;
      const idle = machine.idleMs - lastIdle;
      const mode = machine.displayMode();
      const status: Status = {
        state: r === "running" ? (idle > dt * 0.5 ? "idle" : "running") : r === "poweroff" ? "powered-off" : r === "halted-forever" ? "halted" : "paused",
        mips: Number(ic - lastIcount) / dt / 1000, instructions: Number(ic),
        diskReads: st.diskReads - lastReads, diskWrites: st.diskWrites - lastWrites,
        busyDrives: disks.filter((d) => d.activity()).map((d) => d.spec.drive),
        width: mode.width, height: mode.height, mode: mode.kind,
        guestSeconds: Number(st.virtualNs) / 1e9, busy: Math.max(0, Math.min(1, 1 - idle / dt)),
      };
      state = status.state;
      post({ type: "status", status });
      lastStatus = now; lastIcount = ic; lastIdle = machine.idleMs; lastReads = st.diskReads; lastWrites = st.diskWrites;
    }
    if (r === "poweroff") { setState("powered-off"); say("info", "The guest powered the machine off."); frames!.publish(); return; }
    if (r === "stopped") { setState("powered-off"); return; }
    if (r === "halted-forever") {
      // nothing will wake it but the reset button: look again now and then, at no cost
      if (state !== "halted") say("warning", "The processor halted with interrupts off: the guest stopped for good. Reset to start again.");
      setState("halted");
      await new Promise((res) => setTimeout(res, 100));
      continue;
    }
    await yieldToEvents();
  }
}

function setState(s: RunState): void {
  if (state === s) return;
  state = s;
  post({ type: "status", status: { state: s, mips: 0, instructions: pc ? Number(pc.core.icount) : 0, diskReads: 0, diskWrites: 0, busyDrives: [], width: 0, height: 0, mode: "off", guestSeconds: 0, busy: 0 } });
}

function powerOff(): void {
  if (!pc) return;
  pc.stop();
  paused = false; resumeWaiter?.(); resumeWaiter = null;
  setState("powered-off");
}

// ---- "booted": the profile's ready text on the serial port or the screen ---------------------------------------
let serialTail = "";
let booted = false;
function watchReady(bytes?: Uint8Array, screen?: string): void {
  if (booted || !plan?.readyText) return;
  if (bytes) serialTail = (serialTail + String.fromCharCode(...bytes)).slice(-4096);
  if (serialTail.includes(plan.readyText) || (screen && screen.includes(plan.readyText))) {
    booted = true;
    post({ type: "booted" });
  }
}

function typeText(text: string, id: number): void {
  if (!pc) { post({ type: "reply", id, ok: false, error: "the machine is not running" }); return; }
  try {
    pc.typeText(text).then(() => post({ type: "reply", id, ok: true }));
  } catch (e) {
    post({ type: "reply", id, ok: false, error: (e as Error).message });
  }
}

// ---- disks ----------------------------------------------------------------------------------------------------
async function resetDisk(drive: string, id: number): Promise<void> {
  const d = disks.find((x) => x.spec.drive === drive);
  try {
    if (!d) throw new Error(`no disk in drive ${drive}`);
    await d.reset();
    post({ type: "reply", id, ok: true });
  } catch (e) {
    post({ type: "reply", id, ok: false, error: (e as Error).message });
  }
}

async function exportDisk(drive: string, id: number): Promise<void> {
  const d = disks.find((x) => x.spec.drive === drive);
  if (!d) { post({ type: "reply", id, ok: false, error: `no disk in drive ${drive}` }); return; }
  try {
    const size = d.spec.backend.size;
    for await (const chunk of exportDiskChunks(d.spec.backend)) {
      // transfer only a buffer the chunk owns whole (a backend may hand out views of its cache)
      const bytes = chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength ? chunk : chunk.slice();
      post({ type: "export-chunk", id, bytes, size }, [bytes.buffer as ArrayBuffer]);
    }
    post({ type: "export-chunk", id, bytes: null, size });
  } catch (e) {
    post({ type: "reply", id, ok: false, error: `Download of ${d.name} failed: ${(e as Error).message}` });
  }
}

// ---- the teaching panel ---------------------------------------------------------------------------------------
async function debugRequest(id: number, request: import("./protocol.ts").DebugRequest): Promise<void> {
  try {
    if (!debug) throw new Error("the machine is not running");
    if (request.op === "step") {
      if (!paused) throw new Error("pause the machine first");
      if (!parked) await new Promise<void>((r) => parkWaiters.push(r)); // the slice in progress ends first
    }
    const value = await debug.handle(request);
    if (request.op === "step") frames?.publish(true);
    post({ type: "reply", id, ok: true, value });
  } catch (e) {
    post({ type: "reply", id, ok: false, error: (e as Error).message });
  }
}
