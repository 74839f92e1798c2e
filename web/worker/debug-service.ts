// The teaching panel's requests, answered from the machine's state (web/machine/debugger.ts).
import type { PC } from "../machine/pc.ts";
import type { DebugRequest } from "./protocol.ts";

export class DebugService {
  constructor(private readonly pc: PC) {}
  async handle(request: DebugRequest): Promise<unknown> {
    const core = this.pc.core;
    switch (request.op) {
      case "view": return { eip: core.eip, eflags: core.eflags };
      default: throw new Error(`debugger request ${request.op} is not available yet`);
    }
  }
}
