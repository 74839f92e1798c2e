// The machine's picture on a <canvas>: frames from the worker (web/worker/frames.ts) carry only the lines that
// changed, which are copied into an ImageData and put on the canvas. The canvas keeps the guest's resolution;
// CSS scales it with the right aspect ratio: whole multiples when they fit (sharp pixels), else the largest fit;
// VGA's 400- and 350-line modes (720x400 text, 640x400, 640x350) are shown at 4:3 as a monitor shows them.

/** The displayed size (CSS pixels) for a w x h picture in a box of boxW x boxH. Pure (unit-tested). */
export function displaySize(w: number, h: number, boxW: number, boxH: number): { width: number; height: number; integer: boolean } {
  if (w <= 0 || h <= 0 || boxW <= 0 || boxH <= 0) return { width: 0, height: 0, integer: false };
  // 4:3 for the VGA modes with tall pixels (their lines are stretched by the monitor), square pixels otherwise
  const aspect = h / w < 0.7 ? 3 / 4 : h / w;
  const dispH1 = w * aspect; // height at horizontal scale 1
  const k = Math.floor(Math.min(boxW / w, boxH / dispH1));
  if (k >= 1) return { width: w * k, height: Math.round(dispH1 * k), integer: aspect === h / w };
  const s = Math.min(boxW / w, boxH / dispH1);
  return { width: Math.floor(w * s), height: Math.floor(dispH1 * s), integer: false };
}

export interface FrameMessage { seq: number; width: number; height: number; top: number; bottom: number; pixels?: ArrayBuffer; shared?: SharedArrayBuffer }

export class Display {
  private readonly ctx: CanvasRenderingContext2D;
  private image: ImageData | null = null;
  private shared: SharedArrayBuffer | null = null;
  private resizeObserver: ResizeObserver;
  /** Frames shown so far (tests and the status bar). */
  frames = 0;
  onResolution: (w: number, h: number) => void = () => {};

  constructor(readonly canvas: HTMLCanvasElement, private readonly box: HTMLElement) {
    const ctx = canvas.getContext("2d", { alpha: false });
    if (!ctx) throw new Error("this browser cannot draw on a canvas");
    this.ctx = ctx;
    this.resizeObserver = new ResizeObserver(() => this.fit());
    this.resizeObserver.observe(box);
  }

  /** Copy a frame's changed lines in and draw them; returns the sequence number to acknowledge. */
  frame(m: FrameMessage): number {
    if (m.shared) this.shared = m.shared;
    if (!this.image || this.image.width !== m.width || this.image.height !== m.height) {
      this.image = new ImageData(m.width, m.height);
      this.canvas.width = m.width;
      this.canvas.height = m.height;
      this.fit();
      this.onResolution(m.width, m.height);
    }
    const stride = m.width * 4;
    const start = m.top * stride, len = (m.bottom - m.top + 1) * stride;
    const src = m.pixels ? new Uint8Array(m.pixels) : this.shared ? new Uint8Array(this.shared, start, len) : null;
    if (!src) return m.seq;
    this.image.data.set(src.subarray(0, len), start);
    this.ctx.putImageData(this.image, 0, 0, 0, m.top, m.width, m.bottom - m.top + 1);
    this.frames++;
    return m.seq;
  }

  setSmooth(on: boolean): void { this.canvas.classList.toggle("smooth", on); }

  /** Size the canvas for its box (called on resize and resolution changes). */
  fit(): void {
    const fs = document.fullscreenElement === this.box;
    const boxW = this.box.clientWidth, boxH = fs ? this.box.clientHeight : Math.max(200, window.innerHeight - this.box.getBoundingClientRect().top - 40);
    const { width, height } = displaySize(this.canvas.width, this.canvas.height, boxW, boxH);
    this.canvas.style.width = `${width}px`;
    this.canvas.style.height = `${height}px`;
  }

  /** The picture as a PNG (the guest's own resolution). */
  screenshot(): Promise<Blob> {
    return new Promise((resolve, reject) => this.canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("the browser could not make a PNG"))), "image/png"));
  }

  /** True when some pixel is not black (tests). */
  notBlank(): boolean {
    if (!this.image) return false;
    const d = this.image.data;
    for (let i = 0; i < d.length; i += 4) if (d[i] | d[i + 1] | d[i + 2]) return true;
    return false;
  }
}
