// INTERIM (replaced when the input helper's module lands): keyboard on the canvas.
import type { VmClient } from "./vm-client.ts";
import type { Messages } from "./messages.ts";
import { KEY_CODES } from "../machine/keyboard.ts";

export interface InputHandle { detach(): void }

export function setupInput(vm: VmClient, canvas: HTMLCanvasElement, _messages: Messages): InputHandle {
  const down = new Set<string>();
  const onKey = (e: KeyboardEvent) => {
    if (!KEY_CODES.includes(e.code)) return;
    e.preventDefault();
    const isDown = e.type === "keydown";
    if (isDown) down.add(e.code); else down.delete(e.code);
    vm.key(e.code, isDown);
  };
  const releaseAll = () => { for (const c of Array.from(down)) vm.key(c, false); down.clear(); };
  canvas.addEventListener("keydown", onKey);
  canvas.addEventListener("keyup", onKey);
  canvas.addEventListener("blur", releaseAll);
  return { detach() { releaseAll(); canvas.removeEventListener("keydown", onKey); canvas.removeEventListener("keyup", onKey); canvas.removeEventListener("blur", releaseAll); } };
}
