// Builds the machine core: runs the opcode-table generator, then compiles assembly/ with asc into
// build/machine.release.wasm (optimised, unchecked) and build/machine.debug.wasm (checked, for tests).
// Skips work when the inputs have not changed (hash of sources + flags in build/.stamp-*).
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync, writeFileSync, mkdirSync, existsSync, renameSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { execFileSync } from "node:child_process";
import { generateOpcodeCode } from "./gen-opcodes.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");
const log = (s: string) => { if (!quiet) console.log(s); };

function listFiles(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listFiles(p, out);
    else if (p.endsWith(".ts") || p.endsWith(".json")) out.push(p);
  }
  return out;
}

// 1. generated code from the opcode table (writes only when content changes)
generateOpcodeCode(root);

// 2. compile both flavours
const common = [
  "assembly/machine.ts", "assembly/abort/index.ts", "--runtime", "stub", "--importMemory", "--exportTable",
  "--noExportMemory", "--initialMemory", "4", "--memoryBase", "0", "--use", "abort=assembly/abort/index/coreAbort",
];
const flavours: Record<string, string[]> = {
  release: ["-O3", "--noAssert", "--uncheckedBehavior", "always"],
  debug: ["-O1", "--debug", "--sourceMap"],
  // release code with function names, for profilers (built only on request: --only=profile)
  profile: ["-O3", "--noAssert", "--uncheckedBehavior", "always", "--debug"],
};
mkdirSync(join(root, "build"), { recursive: true });
const srcHash = createHash("sha256");
for (const f of listFiles(join(root, "assembly"))) { srcHash.update(f.slice(root.length)); srcHash.update(readFileSync(f)); }
srcHash.update(readFileSync(join(root, "node_modules/assemblyscript/package.json")));
srcHash.update(readFileSync(join(root, "tools/build-wasm.ts")));
const base = srcHash.digest("hex");
const want = (process.argv.find(a => a.startsWith("--only="))?.slice(7) ?? "release,debug").split(",");
for (const name of want) {
  const flags = flavours[name];
  const out = join(root, "build", `machine.${name}.wasm`);
  const stamp = join(root, "build", `.stamp-${name}`);
  const key = base + JSON.stringify(flags);
  if (existsSync(out) && existsSync(stamp) && readFileSync(stamp, "utf8") === key) { log(`wasm ${name}: up to date`); continue; }
  const t0 = Date.now();
  const asc = join(root, "node_modules/.bin/asc");
  // write to a private name and rename, so concurrent builds and readers never see a half-written file
  const tmp = `${out}.${process.pid}.tmp`;
  try {
    execFileSync(asc, [...common, ...flags, "--outFile", tmp], { cwd: root, stdio: ["ignore", "inherit", "inherit"] });
  } catch {
    console.error(`wasm ${name}: asc failed`);
    process.exit(1);
  }
  renameSync(tmp, out);
  if (existsSync(tmp + ".map")) renameSync(tmp + ".map", out + ".map");
  writeFileSync(stamp, key);
  log(`wasm ${name}: built in ${((Date.now() - t0) / 1000).toFixed(1)} s (${statSync(out).size} bytes)`);
}
