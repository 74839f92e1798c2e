// The teaching panel (teaching-panel.ts) on the machine's worker: its backend sends debugger requests.
import "./teaching-panel.css";
import { TeachingPanel, type TeachingBackend } from "./teaching-panel.ts";
import type { VmClient } from "./vm-client.ts";
import type { StepResult, TeachingView, MemoryRead } from "../machine/debug-view.ts";

export function setupTeaching(box: HTMLElement) {
  let vm: VmClient | null = null;
  let panel: TeachingPanel | null = null;
  let shown = false;
  const backend: TeachingBackend = {
    pause: async () => { vm?.send({ type: "pause" }); },
    resume: async () => { vm?.send({ type: "resume" }); },
    step: async (count, options) => (await need().debug({ op: "step", count, holdInterrupts: options.holdInterrupts ?? true })) as StepResult,
    view: async () => (await need().debug({ op: "view" })) as TeachingView,
    memory: async (address, length, space) => (await need().debug({ op: "memory", address, length, space })) as MemoryRead,
    setTracing: async (on) => { await need().debug({ op: "tracing", on }); },
  };
  function need(): VmClient { if (!vm) throw new Error("no machine is running"); return vm; }
  return {
    attach(client: VmClient) {
      vm = client;
      if (shown) void backend.setTracing?.(true);
    },
    visible(on: boolean) {
      shown = on;
      if (on && !panel) panel = new TeachingPanel(box, backend);
      panel?.setVisible(on);
    },
    refresh() { panel?.refresh(); },
  };
}
