// The teaching panel's requests (web/app/teaching-panel.ts), answered from the machine's state through the host
// library (web/machine/debugger.ts). Stepping happens only while the run loop is parked (paused).
import type { PC } from "../machine/pc.ts";
import { teachingView, readMemory } from "../machine/debugger.ts";
import type { DebugRequest } from "./protocol.ts";

export class DebugService {
  constructor(private readonly pc: PC, private readonly isRunning: () => boolean) {}

  async handle(request: DebugRequest): Promise<unknown> {
    const core = this.pc.core;
    switch (request.op) {
      case "view": return teachingView(core, this.isRunning());
      case "step": return this.pc.step(Math.max(1, Math.min(10_000, request.count | 0)), { holdInterrupts: request.holdInterrupts });
      case "memory": return readMemory(core, request.address >>> 0, Math.min(request.length | 0, 1 << 20), request.space);
      case "tracing": core.exports.setTrace(request.on ? 1 : 0); return null;
    }
  }
}
