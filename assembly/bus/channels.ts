// Output channels: byte buffers in linear memory that the host drains after run() returns (serial ports,
// debug console, POST codes). Layout: [u32 count][bytes]. When a channel is half full, run() exits with
// EXIT_OUTPUT so the host can drain it before anything is lost.
import { IO_BUFFERS, CHANNEL_SIZE, CHANNEL_DATA_MAX, CHANNEL_EXIT_AT, EXIT_OUTPUT } from "../layout";
import { requestExit } from "../machine_events";

export let droppedBytes: u32 = 0;

export function channelPut(ch: u32, b: u32): void {
  const base = IO_BUFFERS + ch * CHANNEL_SIZE;
  const n = load<u32>(base);
  if (n >= CHANNEL_DATA_MAX) { droppedBytes++; requestExit(EXIT_OUTPUT); return; }
  store<u8>(base + 4 + n, <u8>b);
  store<u32>(base, n + 1);
  if (n + 1 >= CHANNEL_EXIT_AT) requestExit(EXIT_OUTPUT);
}
