// Frames from the machine's RGBA picture to the page, only the lines that changed. With cross-origin isolation
// the pixels go through a SharedArrayBuffer: the worker copies the changed lines in, posts a small message, and
// does not touch the buffer again until the page acknowledges that frame (so the page never copies a half-written
// frame). Without it, the changed lines travel as a transferred ArrayBuffer. Frames are at most ~60 per second
// and never queue up: while the page has not taken the last one, changes accumulate into the next.
import type { PC } from "../machine/pc.ts";
import type { FromWorker } from "./protocol.ts";

const FRAME_MS = 1000 / 60;

export class FramePublisher {
  readonly shared: boolean;
  private sab: SharedArrayBuffer | null = null;
  private sabSent = false;
  private seq = 0;
  private acked = 0;
  private last = 0;
  private width = 0;
  private height = 0;
  /** Lines changed since the last frame the page took (top > bottom: none). */
  private top = Infinity;
  private bottom = -1;

  constructor(private readonly pc: PC, wantShared: boolean, private readonly post: (m: FromWorker, t?: Transferable[]) => void) {
    this.shared = wantShared && typeof SharedArrayBuffer !== "undefined" && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated === true;
  }

  ack(seq: number): void { if (seq > this.acked) this.acked = seq; }

  /** A hidden page draws nothing: no frames (not even renders) until it is shown again. */
  private visible = true;
  setVisible(v: boolean): void { this.visible = v; }

  /** The page lost its picture (resize of its buffer, a reset): send everything next time. */
  invalidate(): void { this.top = 0; this.bottom = Math.max(this.bottom, this.height - 1, 0); this.width = 0; }

  /** Render the picture and send the changed lines if the page is ready for a frame. */
  publish(force = false): void {
    if (!this.visible) return;
    const now = performance.now();
    if (!force && now - this.last < FRAME_MS) return;
    const x = this.pc.core.exports;
    if (x.displayRender()) {
      const t = x.displayDirtyTop(), b = x.displayDirtyBottom();
      if (t >= 0) { this.top = Math.min(this.top, t); this.bottom = Math.max(this.bottom, b); }
    }
    const w = x.displayWidth(), h = x.displayHeight();
    if (w !== this.width || h !== this.height) { this.width = w; this.height = h; this.top = 0; this.bottom = h - 1; }
    if (this.top > this.bottom || w === 0 || h === 0) return;
    if (this.acked < this.seq) return; // the page is still on the last frame
    this.last = now;
    const top = this.top, bottom = Math.min(this.bottom, h - 1);
    this.top = Infinity; this.bottom = -1;
    const stride = w * 4;
    const src = this.pc.core.u8.subarray(x.displayBuffer() + top * stride, x.displayBuffer() + (bottom + 1) * stride);
    const seq = ++this.seq;
    if (this.shared) {
      if (!this.sab || this.sab.byteLength < w * h * 4) { this.sab = new SharedArrayBuffer(Math.max(w * h * 4, 1024 * 768 * 4)); this.sabSent = false; }
      new Uint8Array(this.sab, top * stride, src.length).set(src);
      this.post({ type: "frame", seq, width: w, height: h, top, bottom, shared: this.sabSent ? undefined : this.sab });
      this.sabSent = true;
    } else {
      const pixels = src.slice().buffer;
      this.post({ type: "frame", seq, width: w, height: h, top, bottom, pixels }, [pixels]);
    }
  }
}
