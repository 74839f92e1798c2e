// When the page types a link's text into the guest (web/app/type-trigger.ts): never before the shell that reads
// it prints its prompt on the console the text goes to (keys typed earlier are lost by a Linux VT), once only.
import { test } from "node:test";
import assert from "node:assert/strict";
import { TypeTrigger, PROMPT_WAIT_MS, type TypeWhen } from "../web/app/type-trigger.ts";

/** A trigger on a fake clock: `fired` counts the calls, `advance` runs timers that are due. */
function rig(when: TypeWhen) {
  let now = 0, fired = 0;
  const timers = new Map<number, { at: number; fn: () => void }>();
  let next = 1;
  const t = new TypeTrigger(when, () => { fired++; },
    ((fn: () => void, ms: number) => { timers.set(next, { at: now + ms, fn }); return next++; }) as any,
    ((id: number) => { timers.delete(id); }) as any);
  const advance = (ms: number) => {
    now += ms;
    for (const [id, x] of [...timers]) if (x.at <= now) { timers.delete(id); x.fn(); }
  };
  return { t, advance, fired: () => fired };
}

const LINUX = { afterSerial: "WEBPC-GUEST-READY", afterPrompt: "webpc:/#" };

test("keyboard text waits for the prompt on the screen after the ready text, and types once", () => {
  const r = rig({ to: "keyboard", ...LINUX });
  r.t.started();
  r.t.screenText("Linux version 6.1\nWEBPC-GUEST-READY Linux");
  r.t.readyTextSeen();
  assert.equal(r.fired(), 0, "the banner alone is not enough: tty1 has no shell yet");
  r.t.serialOutput("webpc:/# "); // the serial shell is up; the keyboard goes to tty1
  assert.equal(r.fired(), 0);
  r.t.screenText("WEBPC-GUEST-READY Linux\n\nwebpc:/# ");
  assert.equal(r.fired(), 1);
  r.t.screenText("webpc:/# cat\nwebpc:/# ");
  r.advance(PROMPT_WAIT_MS * 2);
  assert.equal(r.fired(), 1, "typed once");
});

test("serial text waits for the prompt on COM1 printed after the ready text", () => {
  const r = rig({ to: "serial", ...LINUX });
  r.t.started();
  r.t.serialOutput("old webpc:/# from a previous boot\n");
  r.t.readyTextSeen();
  r.t.serialOutput("WEBPC-GUEST-READY Linux 6.1\r\n");
  r.t.screenText("webpc:/# ");
  assert.equal(r.fired(), 0, "the screen's prompt is not the serial shell's");
  r.t.serialOutput("webpc:/");
  assert.equal(r.fired(), 0);
  r.t.serialOutput("# ");
  assert.equal(r.fired(), 1, "a prompt split across chunks is found");
});

test("a prompt that never shows still types after the wait; no ready text types after the delay", () => {
  const r = rig({ to: "keyboard", ...LINUX });
  r.t.started();
  r.t.readyTextSeen();
  r.advance(PROMPT_WAIT_MS - 1);
  assert.equal(r.fired(), 0);
  r.advance(1);
  assert.equal(r.fired(), 1);

  const d = rig({ to: "keyboard", afterMs: 15_000 });
  d.t.started();
  d.t.readyTextSeen();
  d.advance(14_999);
  assert.equal(d.fired(), 0);
  d.advance(1);
  assert.equal(d.fired(), 1);

  const plain = rig({ to: "serial", afterSerial: "READY" });
  plain.t.started();
  plain.advance(60_000);
  assert.equal(plain.fired(), 0, "waits for the ready text, not a clock");
  plain.t.readyTextSeen();
  assert.equal(plain.fired(), 1);
});

test("a disposed trigger (the page started another machine) never types", () => {
  const r = rig({ to: "keyboard", ...LINUX });
  r.t.started();
  r.t.readyTextSeen();
  r.t.dispose();
  r.t.screenText("webpc:/# ");
  r.advance(PROMPT_WAIT_MS);
  assert.equal(r.fired(), 0);
});
