// Output channels (serial ports, debug console, POST codes) share one stream in linear memory that the host
// drains after run() returns: each entry is the channel and the byte, so output of different devices keeps the
// order the guest wrote it in. Layout in layout.ts (IO_BUFFERS). When the stream is half full, run() exits with
// EXIT_OUTPUT so the host can drain it before anything is lost.
import { IO_BUFFERS, OUTPUT_MAX, OUTPUT_EXIT_AT, EXIT_OUTPUT } from "../layout";
import { requestExit } from "../machine_events";

export let droppedBytes: u32 = 0;

export function channelPut(ch: u32, b: u32): void {
  const n = load<u32>(IO_BUFFERS);
  if (n >= OUTPUT_MAX) { droppedBytes++; requestExit(EXIT_OUTPUT); return; }
  store<u16>(IO_BUFFERS + 4 + (n << 1), <u16>((ch << 8) | (b & 0xFF)));
  store<u32>(IO_BUFFERS, n + 1);
  if (n + 1 >= OUTPUT_EXIT_AT) requestExit(EXIT_OUTPUT);
}
