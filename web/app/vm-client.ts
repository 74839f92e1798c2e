// The page's handle on the machine's worker: starts it, sends inputs, routes its messages to the UI, and turns
// request/reply pairs (typing, disk operations, the teaching panel's requests) into promises.
import type { FromWorker, ToWorker, MachinePlan, DebugRequest, Status } from "../worker/protocol.ts";
import type { DriveName } from "../machine/pc.ts";
import type { FrameMessage } from "./display.ts";

export interface VmEvents {
  frame(m: FrameMessage): number;
  serial(port: number, bytes: Uint8Array): void;
  /** The firmware's debug console (SeaBIOS's log on port 402h). */
  firmwareLog(bytes: Uint8Array): void;
  screenText(lines: string[] | null): void;
  status(s: Status): void;
  message(level: "info" | "warning" | "error", text: string): void;
  progress(what: string, loaded: number, total: number): void;
  ready(shared: boolean): void;
  booted(): void;
}

export class VmClient {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  private readonly exports = new Map<number, { parts: BlobPart[]; resolve: (b: Blob) => void; reject: (e: Error) => void }>();
  terminated = false;

  constructor(private readonly events: VmEvents) {
    this.worker = new Worker(new URL("../worker/vm-worker.ts", import.meta.url), { type: "module", name: "webpc machine" });
    this.worker.onmessage = (e: MessageEvent<FromWorker>) => this.receive(e.data);
    this.worker.onerror = (e) => events.message("error", `The machine's worker failed: ${e.message || "it could not be loaded"}`);
  }

  start(plan: MachinePlan): void {
    const sharedFrame = typeof SharedArrayBuffer !== "undefined" && crossOriginIsolated === true;
    this.send({ type: "start", plan, sharedFrame });
  }

  send(m: ToWorker, transfer: Transferable[] = []): void { if (!this.terminated) this.worker.postMessage(m, transfer); }

  key(code: string, down: boolean): void { this.send({ type: "key", code, down }); }
  mouse(dx: number, dy: number, dz: number, buttons: number): void { this.send({ type: "mouse", dx, dy, dz, buttons }); }
  serialIn(bytes: Uint8Array, port = 0): void { this.send({ type: "serial-in", port, bytes }); }

  typeText(text: string): Promise<void> { return this.request((id) => ({ type: "type-text", text, id })) as Promise<void>; }
  resetDisk(drive: DriveName): Promise<void> { return this.request((id) => ({ type: "reset-disk", drive, id })) as Promise<void>; }
  debug(request: DebugRequest): Promise<unknown> { return this.request((id) => ({ type: "debug", id, request })); }

  /** The disk as the guest sees it (image + its writes), as a Blob built from streamed chunks. */
  exportDisk(drive: DriveName): Promise<Blob> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.exports.set(id, { parts: [], resolve, reject });
      this.pending.set(id, { resolve: () => {}, reject });
      this.send({ type: "export-disk", drive, id });
    });
  }

  terminate(): void {
    this.terminated = true;
    this.worker.terminate();
    for (const p of Array.from(this.pending.values())) p.reject(new Error("the machine was stopped"));
    this.pending.clear();
  }

  private request(make: (id: number) => ToWorker): Promise<unknown> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.send(make(id));
    });
  }

  private receive(m: FromWorker): void {
    const ev = this.events;
    switch (m.type) {
      case "frame": { const seq = ev.frame(m); this.send({ type: "frame-ack", seq }); return; }
      case "serial": ev.serial(m.port, m.bytes); return;
      case "firmware-log": ev.firmwareLog(m.bytes); return;
      case "screen-text": ev.screenText(m.lines); return;
      case "status": ev.status(m.status); return;
      case "message": ev.message(m.level, m.text); return;
      case "progress": ev.progress(m.what, m.loaded, m.total); return;
      case "ready": ev.ready(m.sharedFrame); return;
      case "booted": ev.booted(); return;
      case "leds": return;
      case "reply": {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value); else p.reject(new Error(m.error ?? "failed"));
        this.exports.get(m.id)?.reject(new Error(m.error ?? "failed"));
        this.exports.delete(m.id);
        return;
      }
      case "export-chunk": {
        const x = this.exports.get(m.id);
        if (!x) return;
        if (m.bytes) { x.parts.push(m.bytes as Uint8Array<ArrayBuffer>); return; }
        this.exports.delete(m.id); this.pending.delete(m.id);
        x.resolve(new Blob(x.parts, { type: "application/octet-stream" }));
        return;
      }
    }
  }
}
