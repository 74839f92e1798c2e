// The messages between the page (web/app/) and the machine's Web Worker (web/worker/vm-worker.ts). Everything
// here is structured-cloneable. The picture travels through shared memory when the page is cross-origin isolated
// (a SharedArrayBuffer the worker writes and the page copies from, one frame at a time), else as transferred
// ArrayBuffers with the changed lines.
import type { DriveName } from "../machine/pc.ts";
import type { MediaKind } from "../machine/disks.ts";

/** Where a disk image comes from. */
export type ImageSource =
  | { kind: "url"; url: string }            // fetched lazily in blocks (HTTP range requests)
  | { kind: "file"; file: Blob; name: string }; // a file the user picked or dropped

export interface DiskPlan {
  drive: DriveName;
  media: MediaKind;
  source: ImageSource;
  /** A name for messages ("freedos722.img"). */
  name: string;
  /** Guest writes persist in IndexedDB under (machineId, drive); false: in memory only (read-only media). */
  persist: boolean;
  /** A strong identity of the image (manifest SHA-256, file size and date) so saved changes never land on
   *  another image. */
  tag?: string;
}

/** A machine the worker can boot: every file resolved to a URL or a Blob. */
export interface MachinePlan {
  /** Keys the disks' overlays in IndexedDB (a profile id, or a hash of the user's image). */
  machineId: string;
  title: string;
  memoryMiB: number;
  /** QEMU -boot letters, or "" for a direct kernel boot. */
  boot: string;
  bios: string;
  /** "" for none. */
  vgaBios: string;
  linuxBootRom?: string;
  multibootRom?: string;
  kernel?: string;
  initrd?: string;
  cmdline?: string;
  disks: DiskPlan[];
  /** Text the guest prints when it is up (serial or screen): the page types the link's text after it. */
  readyText?: string;
  /** "realtime" for users; "virtual" runs deterministically (tests, benchmarks). */
  clock?: "realtime" | "virtual";
}

export type ToWorker =
  | { type: "start"; plan: MachinePlan; sharedFrame: boolean }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "reset" }
  | { type: "power-button" }
  | { type: "power-off" }
  | { type: "key"; code: string; down: boolean }
  | { type: "mouse"; dx: number; dy: number; dz: number; buttons: number }
  | { type: "serial-in"; port: number; bytes: Uint8Array }
  | { type: "type-text"; text: string; id: number }
  | { type: "frame-ack"; seq: number }
  | { type: "frame-full" }
  /** The page is hidden (no frames needed: changes accumulate) or shown again (a frame with them comes). */
  | { type: "page-visible"; visible: boolean }
  | { type: "reset-disk"; drive: DriveName; id: number }
  | { type: "export-disk"; drive: DriveName; id: number }
  | { type: "debug"; id: number; request: DebugRequest };

export type DebugRequest =
  | { op: "view" }
  | { op: "step"; count: number; holdInterrupts: boolean }
  | { op: "memory"; address: number; length: number; space: "linear" | "physical" }
  | { op: "tracing"; on: boolean };

export type RunState = "loading" | "running" | "idle" | "paused" | "powered-off" | "halted" | "error";

export interface Status {
  state: RunState;
  /** Guest instructions per second over the last status period (millions). */
  mips: number;
  instructions: number;
  /** Disk requests served in the last period; which drives were busy. */
  diskReads: number;
  diskWrites: number;
  busyDrives: DriveName[];
  width: number;
  height: number;
  mode: "off" | "text" | "graphics";
  /** Guest time (seconds) since power-on. */
  guestSeconds: number;
  /** Fraction of the last period the worker spent running the guest (0..1): idle guests are near 0. */
  busy: number;
}

export type FromWorker =
  | { type: "ready"; sharedFrame: boolean }
  | { type: "status"; status: Status }
  | { type: "frame"; seq: number; width: number; height: number; top: number; bottom: number; pixels?: ArrayBuffer; shared?: SharedArrayBuffer }
  | { type: "serial"; port: number; bytes: Uint8Array }
  | { type: "firmware-log"; bytes: Uint8Array }
  | { type: "screen-text"; lines: string[] | null }
  | { type: "message"; level: "info" | "warning" | "error"; text: string }
  | { type: "progress"; what: string; loaded: number; total: number }
  | { type: "booted" }
  | { type: "leds"; leds: number; mouse: boolean }
  | { type: "reply"; id: number; ok: boolean; value?: unknown; error?: string }
  | { type: "export-chunk"; id: number; bytes: Uint8Array | null; size: number };
