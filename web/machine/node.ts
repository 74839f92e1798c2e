// Loading the machine core in Node (tests, CLI, benchmarks).
import { readFileSync, existsSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { Core } from "./core.ts";

// WEBPC_JIT=on|off|force|<threshold> sets the JIT tier of every core made in this process (tests, CLI, benchmarks)
const jitEnv = process.env.WEBPC_JIT;
if (jitEnv) Core.defaultJit = /^\d+$/.test(jitEnv) ? Number(jitEnv) : jitEnv === "off" || jitEnv === "force" ? jitEnv : "on";

export type Flavour = "release" | "debug" | "profile";
const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const modules = new Map<Flavour, WebAssembly.Module>();

export function wasmPath(flavour: Flavour): string { return join(root, "build", `machine.${flavour}.wasm`); }

/** A new machine with `ramSize` bytes of RAM, from build/machine.<flavour>.wasm (built by tools/build-wasm.ts). */
export async function createCore(ramSize: number, flavour: Flavour = "release"): Promise<Core> {
  return Core.create(loadModule(flavour), ramSize);
}

/** The compiled core module (cached per flavour). */
export function loadModule(flavour: Flavour = "release"): WebAssembly.Module {
  let m = modules.get(flavour);
  if (!m) {
    const path = wasmPath(flavour);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`node --import tsx tools/build-wasm.ts\` (npm test does it)`);
    m = new WebAssembly.Module(readFileSync(path));
    modules.set(flavour, m);
  }
  return m;
}
