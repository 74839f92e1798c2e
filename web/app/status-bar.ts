// The status bar: run state, guest MIPS, disk activity, resolution, guest time, and how frames travel.
import type { Status } from "../worker/protocol.ts";

const STATE_TEXT: Record<Status["state"], string> = {
  loading: "Loading…", running: "Running", idle: "Idle (guest halted, waiting for interrupts)", paused: "Paused",
  "powered-off": "Powered off", halted: "Halted for good", error: "Stopped by an error",
};

export class StatusBar {
  state: Status["state"] = "loading";
  last: Status | null = null;
  constructor(private readonly el: { state: HTMLElement; mips: HTMLElement; disk: HTMLElement; res: HTMLElement; time: HTMLElement; mem: HTMLElement }) {}

  update(s: Status): void {
    this.state = s.state;
    this.el.state.textContent = STATE_TEXT[s.state];
    this.el.state.dataset.state = s.state;
    if (s.state === "running" || s.state === "idle") {
      this.last = s;
      this.el.mips.textContent = `${s.mips.toFixed(1)} MIPS (${Math.round(s.busy * 100)}% CPU)`;
      const active = s.busyDrives.length > 0;
      this.el.disk.textContent = active ? `Disk: ${s.busyDrives.join(", ")} ●` : "Disk: ○";
      this.el.disk.classList.toggle("active", active);
      this.el.res.textContent = s.mode === "off" ? "No signal" : `${s.width}×${s.height} ${s.mode}`;
      this.el.time.textContent = `Guest time ${formatTime(s.guestSeconds)}`;
    }
  }
  transport(shared: boolean): void {
    this.el.mem.textContent = shared ? "Shared memory" : "Messages (not cross-origin isolated: slower)";
  }
}

function formatTime(s: number): string {
  const m = Math.floor(s / 60);
  return `${m}:${(s % 60).toFixed(0).padStart(2, "0")}`;
}
