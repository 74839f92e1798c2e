// CLI of the random x87 differential test (test/fpu/random.ts):
//   npm run test:x87 -- [--seed N] [--count M] [--show K] [--only NAME] [--trans] [--flavour debug|release]
import { createCore, Flavour } from "../../web/machine/node.ts";
import { generate, runNativeCases, runEmuCases, diffCase, describe, TEMPLATES } from "./random.ts";

const arg = (n: string, d: string) => { const i = process.argv.indexOf(n); return i > 0 ? process.argv[i + 1] : d; };
const seed = Number(arg("--seed", "1")), count = Number(arg("--count", "2000")), show = Number(arg("--show", "20"));
const only = arg("--only", "");
const flavour = arg("--flavour", "debug") as Flavour;
const c = await createCore(16 << 20, flavour);
c.exports.attachTestDevices(0xE9, 0xF4, 0);
let cases = generate(seed, count, process.argv.includes("--trans") ? ["trans"] : ["arith", "int"]);
if (only) cases = cases.filter(x => TEMPLATES[x.t].name === only);
const t0 = performance.now();
const nat = runNativeCases(cases);
const t1 = performance.now();
const emu = runEmuCases(c, cases);
const t2 = performance.now();
const byName = new Map<string, number>();
let fails = 0, inexact = 0;
cases.forEach((cs, i) => {
  if (TEMPLATES[cs.t].kind === "trans" && Buffer.compare(Buffer.from(emu[i].subarray(28, 108)), Buffer.from(nat[i].subarray(28, 108))) !== 0) inexact++;
  const d = diffCase(cs, emu[i], nat[i]);
  if (!d.length) return;
  fails++;
  const n = TEMPLATES[cs.t].name;
  byName.set(n, (byName.get(n) ?? 0) + 1);
  if (fails <= show) console.log(`case ${i}: ${describe(cs)}\n    ${d.join("\n    ")}`);
});
if (inexact) console.log(`transcendentals: ${inexact} cases agree only within 1 ulp (the others bit for bit)`);
console.log(`seed ${seed}: ${cases.length - fails} of ${cases.length} cases agree (native ${(t1 - t0).toFixed(0)} ms, emulator ${(t2 - t1).toFixed(0)} ms)`);
if (fails) console.log("failures by template:", Object.fromEntries([...byName].sort((a, b) => b[1] - a[1])));
process.exit(fails ? 1 : 0);
