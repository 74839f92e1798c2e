// Page-side instrumentation for `npm run bench:web` (bench/web.ts installs it with page.addInitScript before
// navigation, so nothing in the app changes). Plain JavaScript on purpose: it is injected as text, and a
// TypeScript build could add helper calls the page does not have.
//
// It records, on the page's clock (performance.now(): milliseconds since navigation started), into
// globalThis.__webpcBench:
//   - longTasks: the main thread's long tasks (PerformanceObserver "longtask", buffered from page start);
//   - the machine worker's messages, seen before the app handles them (a listener added when the worker is made):
//     readyAt (machine created, run loop starting), firstFrameAt (first frame drawn; the app draws frames as they
//     arrive), firstLitFrameAt (first frame with a non-black pixel: the firmware's first picture), bannerAt and
//     promptAt (the guest's ready banner on COM1, then the shell prompt after it), statuses (every status message
//     with its arrival time: instructions, MIPS, busy fraction, state).
// With globalThis.__webpcBenchOptions = { pauseAtPrompt: true } (set by an earlier init script) it pauses the
// machine as soon as the prompt arrives: the worker stops within one slice (~12 ms) and its "paused" status then
// carries the instruction count at the prompt.
(() => {
  const BANNER = "WEBPC-GUEST-READY";
  const PROMPT = "webpc:/# ";
  const rec = {
    longTasks: [], statuses: [], readyAt: null, firstFrameAt: null, firstLitFrameAt: null, bannerAt: null, promptAt: null,
  };
  globalThis.__webpcBench = rec;

  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) rec.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: "longtask", buffered: true });
  } catch (e) {
    rec.longTaskError = String(e);
  }

  let serial = "";
  let sharedPixels = null;
  // Any byte of R, G or B non-zero in rows top..bottom of the frame (the app's RGBA layout).
  const lit = (bytes, start, length) => {
    for (let i = start; i < start + length; i += 4) if (bytes[i] | bytes[i + 1] | bytes[i + 2]) return true;
    return false;
  };
  const observe = (m, worker) => {
    const now = performance.now();
    switch (m.type) {
      case "ready": rec.readyAt ??= now; break;
      case "status": rec.statuses.push({ t: now, ...m.status, busyDrives: undefined }); break;
      case "frame": {
        rec.firstFrameAt ??= now;
        if (rec.firstLitFrameAt !== null) break;
        if (m.shared) sharedPixels = new Uint8Array(m.shared);
        const stride = m.width * 4;
        const found = m.pixels ? lit(new Uint8Array(m.pixels), 0, m.pixels.byteLength)
          : sharedPixels ? lit(sharedPixels, m.top * stride, (m.bottom - m.top + 1) * stride) : false;
        if (found) rec.firstLitFrameAt = now;
        break;
      }
      case "serial": {
        if (m.port !== 0 || rec.promptAt !== null) break;
        serial += String.fromCharCode(...m.bytes);
        const b = serial.indexOf(BANNER);
        if (b >= 0) {
          rec.bannerAt ??= now;
          if (serial.indexOf(PROMPT, b) >= 0) {
            rec.promptAt = now;
            if (globalThis.__webpcBenchOptions?.pauseAtPrompt) worker.postMessage({ type: "pause" });
          }
        }
        if (serial.length > 8192 && b < 0) serial = serial.slice(-64);
        break;
      }
    }
  };

  const PageWorker = globalThis.Worker;
  globalThis.Worker = class extends PageWorker {
    constructor(url, options) {
      super(url, options);
      this.addEventListener("message", (e) => observe(e.data, this));
    }
  };
})();
