// The page's inputs for one machine: keyboard on the focused screen, mouse through pointer lock, the key combos
// menu, paste as typed keys, and the on-screen keyboard; all into the machine's worker.
import type { VmClient } from "./vm-client.ts";
import type { Messages } from "./messages.ts";
import { attachKeyboard, attachMouse, comboEvents, planPaste, type InputSink } from "./input.ts";

export interface InputHandle {
  detach(): void;
  combo(id: string): void;
  paste(text: string): void;
  /** Every held key and button released (focus left, the machine changes). */
  releaseAll(): void;
}

export function setupInput(vm: VmClient, canvas: HTMLCanvasElement, messages: Messages): InputHandle {
  const sink: InputSink = { key: (code, down) => vm.key(code, down), mouse: (dx, dy, dz, b) => vm.mouse(dx, dy, dz, b) };
  const keyboard = attachKeyboard(canvas, sink);
  const mouse = attachMouse(canvas, sink, { onMessage: (t) => messages.show("warning", t) });
  // no stuck keys: attachKeyboard releases everything held when focus leaves or the tab is hidden
  const release = () => keyboard.releaseAll();
  return {
    combo(id) {
      const events = comboEvents(id);
      if (!events) return;
      keyboard.releaseAll();
      for (const e of events) vm.key(e.code, e.down);
      canvas.focus();
    },
    paste(text) {
      const plan = planPaste(text);
      if (plan.note) messages.show("warning", plan.note);
      if (!plan.text) return;
      keyboard.releaseAll();
      vm.typeText(plan.text).catch((e: Error) => messages.show("error", `Paste: ${e.message}`));
    },
    releaseAll: release,
    detach() {
      keyboard.detach();
      mouse.detach();
    },
  };
}
