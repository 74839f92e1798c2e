// The teaching panel's pure formatting (web/app/teaching-format.ts): changed-register highlighting, flags, the hex
// dump with unreadable bytes, the address box and the step-count box. The DOM side is thin and covered by the
// page's end-to-end test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createCore } from "../web/machine/node.ts";
import { cpuView, readMemory, type CpuView } from "../web/machine/debugger.ts";
import { registerRows, flagItems, segmentRows, statusText, hexDumpRows, resolveAddress, parseStepCount, hex32 } from "../web/app/teaching-format.ts";

async function view(): Promise<{ cpu: CpuView; core: Awaited<ReturnType<typeof createCore>> }> {
  const core = await createCore(16 << 20, "debug");
  core.setSegReal("cs", 0x1000);
  core.setSegReal("ss", 0x2000);
  core.setSegReal("ds", 0x3000);
  core.setSegReal("es", 0x4000);
  core.eip = 0x100;
  core.setReg("esp", 0xFFFE);
  core.setReg("esi", 0x10);
  core.setReg("edi", 0x20);
  core.exports.stateChanged();
  return { cpu: cpuView(core), core };
}

const clone = <T>(v: T): T => structuredClone(v);

test("register rows: values in hex, and exactly the changed ones highlighted", async () => {
  const { cpu } = await view();
  const first = registerRows(cpu);
  assert.ok(first.every((r) => !r.changed), "nothing is highlighted without a previous view");
  assert.equal(first.find((r) => r.name === "eip")?.value, "00000100");
  assert.equal(first.find((r) => r.name === "cs")?.value, "1000");
  const next = clone(cpu);
  next.regs.eax = 0xDEADBEEF;
  next.eip = 0x103;
  next.segs.ds.sel = 0x1234;
  const rows = registerRows(next, cpu);
  assert.deepEqual(rows.filter((r) => r.changed).map((r) => r.name), ["eax", "eip", "ds"]);
  assert.equal(rows.find((r) => r.name === "eax")?.value, "deadbeef");
  assert.deepEqual(segmentRows(next, cpu).filter((s) => s.changed).map((s) => s.name), ["ds"]);
});

test("flags: named, on/off, IOPL as a number, changes marked", async () => {
  const { cpu, core } = await view();
  core.eflags = 0x3203; // CF, IF, IOPL 3
  const a = cpuView(core);
  core.eflags = 0x0242; // ZF, IF
  const b = cpuView(core);
  const items = flagItems(b, a);
  assert.deepEqual(items.filter((f) => f.on).map((f) => f.name), ["ZF", "IF"]);
  assert.deepEqual(items.filter((f) => f.changed).map((f) => f.name), ["CF", "ZF", "IOPL"]);
  assert.equal(flagItems(a).find((f) => f.name === "IOPL")?.value, "3");
  assert.match(items.find((f) => f.name === "DF")!.title, /direction/);
  assert.match(statusText(cpu, false), /^paused · real mode · CPL 0 · paging off/);
});

test("hex dump: 16 bytes a row, printable ASCII, unreadable bytes shown as -- with the reason", async () => {
  const { core } = await view();
  core.writePhys(0x1000, new TextEncoder().encode("Hello, world!\n\x00\x7f"));
  const rows = hexDumpRows(readMemory(core, 0x1000, 32, "physical"));
  assert.equal(rows.length, 2);
  assert.equal(rows[0].address, "00001000");
  assert.equal(rows[1].address, "00001010");
  assert.deepEqual(rows[0].cells.slice(0, 3), ["48", "65", "6c"]);
  assert.equal(rows[0].ascii, "Hello, world!...");
  // the end of RAM: half readable
  const edge = hexDumpRows(readMemory(core, (16 << 20) - 8, 16, "physical"))[0];
  assert.deepEqual(edge.cells.slice(6, 10), ["00", "00", "--", "--"]);
  assert.equal(edge.why[7], null);
  assert.match(edge.why[8] ?? "", /no memory/);
  assert.equal(edge.ascii.slice(8), "        ");
});

test("address box: hex, registers with their default segments, segment:offset", async () => {
  const { cpu } = await view();
  const ok = (text: string, space: "linear" | "physical" = "linear") => {
    const r = resolveAddress(text, cpu, space);
    assert.ok(r.ok, `${text}: ${!r.ok && r.error}`);
    return hex32(r.address);
  };
  assert.equal(ok("b8000"), "000b8000");
  assert.equal(ok("0x7C00"), "00007c00");
  assert.equal(ok("7c00h"), "00007c00");
  assert.equal(ok("eip"), "00010100", "CS base + EIP");
  assert.equal(ok("esp"), "0002fffe", "SS base + ESP");
  assert.equal(ok("esi"), "00030010", "DS base + ESI");
  assert.equal(ok("edi"), "00040020", "ES base + EDI");
  assert.equal(ok("esp", "physical"), "0000fffe", "physical: the bare value");
  assert.equal(ok("ds:esi"), "00030010");
  assert.equal(ok("f000:fff0"), "000ffff0");
  assert.equal(ok(" ES:0x10 "), "00040010");
  for (const bad of ["", "xyz", "12345678 9", "10000:0", "ds:foo"]) {
    const r = resolveAddress(bad, cpu, "linear");
    assert.equal(r.ok, false, bad);
    assert.ok(!r.ok && r.error.length > 10);
  }
});

test("step count box", () => {
  assert.deepEqual(parseStepCount(" 25 "), { ok: true, count: 25 });
  for (const bad of ["0", "-3", "1.5", "ten", "", "100001"]) assert.equal(parseStepCount(bad).ok, false, bad);
});
