// Child process of the v86 contender (bench/contenders/v86.ts): runs one v86 machine headless, so that its
// peak RSS is this process's alone and a hang can be killed. Plain JavaScript on purpose: no TypeScript loader
// in the measured process (it would add start-up time and memory that are not v86's).
//   argv[2]: a V86ChildConfig as JSON (see config.ts)
//   fd 3:    the guest's COM1 output (v86 `serial0-output-byte` events), raw bytes
//   IPC:     { type: "mark", mark, instructions, ms } when a configured string first appears on COM1
//            ({ mark: "(start)" } when the emulator starts); { type: "error", message } on a failure
import { readFileSync, createWriteStream } from "node:fs";

const config = JSON.parse(process.argv[2]);
const send = (msg) => process.send?.(msg);
const image = (path) => {
  const b = readFileSync(path);
  return { buffer: b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) };
};

try {
  const { V86 } = await import(config.library);
  const emulator = new V86({
    wasm_path: config.wasm,
    memory_size: config.memoryBytes,
    bios: image(config.files.bios),
    vga_bios: image(config.files.vga_bios),
    bzimage: image(config.files.bzimage),
    initrd: image(config.files.initrd),
    cmdline: config.cmdline,
    disable_jit: !config.jit,
    autostart: true,
  });

  // v86's instruction counter is a u32 that wraps within seconds at JIT speed: accumulate its deltas often.
  let instructions = 0, lastCounter = 0;
  const count = () => {
    const c = emulator.get_instruction_counter();
    instructions += (c - lastCounter + 2 ** 32) % 2 ** 32;
    lastCounter = c;
    return instructions;
  };
  setInterval(count, 50).unref();
  const mark = (name) => send({ type: "mark", mark: name, instructions: count(), ms: performance.now() });

  // COM1 bytes go out in batches (one write per burst, not per byte).
  const serial = createWriteStream("", { fd: 3 });
  let pending = "", flushQueued = false, tail = "";
  const pendingMarks = new Set(config.marks);
  const longestMark = Math.max(0, ...config.marks.map((m) => m.length));
  emulator.add_listener("serial0-output-byte", (byte) => {
    const ch = String.fromCharCode(byte);
    pending += ch;
    if (!flushQueued) {
      flushQueued = true;
      setImmediate(() => { serial.write(Buffer.from(pending, "latin1")); pending = ""; flushQueued = false; });
    }
    if (pendingMarks.size === 0) return;
    tail = (tail + ch).slice(-longestMark);
    for (const m of pendingMarks) if (tail.endsWith(m)) { pendingMarks.delete(m); mark(m); }
  });
  emulator.add_listener("emulator-started", () => mark("(start)"));
} catch (e) {
  send({ type: "error", message: e instanceof Error ? `${e.message}\n${e.stack ?? ""}` : String(e) });
  process.exitCode = 1;
}
