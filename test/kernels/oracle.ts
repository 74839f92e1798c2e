// Produces test/kernels/expected/<name>.txt by running each kernel in its oracle (Bochs by default, QEMU when the
// kernel says "; oracle: qemu <reason>"). The files are oracle output, never edited by hand.
//   npm run kernels:expected [-- NAME...]        (all kernels when no name is given)
//   add --compare to also run our emulator and show where it differs
import { listKernels, buildKernel, runOracle, writeExpected, runOurs, haveTool, kernelMeta } from "./harness.ts";

const args = process.argv.slice(2);
const compare = args.includes("--compare");
const names = args.filter((a) => !a.startsWith("--"));
for (const tool of ["nasm", "bochs", "qemu-system-i386"]) {
  if (!haveTool(tool)) { console.error(`oracle: ${tool} is not installed (Debian packages nasm, bochs, bochsbios, vgabios, qemu-system-x86)`); process.exit(1); }
}
const all = listKernels();
for (const n of names) if (!all.includes(n)) { console.error(`oracle: no kernel test/kernels/${n}.asm`); process.exit(1); }
let differ = 0;
for (const name of names.length ? names : all) {
  const image = buildKernel(name);
  const meta = kernelMeta(name);
  const { transcript, oracle } = await runOracle(name, image);
  writeExpected(name, oracle, transcript);
  console.log(`${name}: ${transcript.split("\n").length - 1} lines from ${oracle}${meta.oracleReason ? ` (${meta.oracleReason})` : ""}`);
  if (compare) {
    const ours = await runOurs(image, { flavour: "debug" });
    if (ours.transcript === transcript) console.log("  ours: same");
    else {
      differ++;
      const a = transcript.split("\n"), b = ours.transcript.split("\n");
      for (let i = 0; i < Math.max(a.length, b.length); i++) {
        if (a[i] !== b[i]) console.log(`  line ${i + 1}:\n    oracle: ${a[i] ?? "(none)"}\n    ours:   ${b[i] ?? "(none)"}`);
      }
    }
  }
}
if (compare && differ) console.log(`${differ} kernel(s) differ`);
