// The contenders of `npm run bench:compare`: ours, the host, QEMU, and v86 when bench/contenders/v86.ts exists.
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import native from "../contenders/native.ts";
import qemu from "../contenders/qemu.ts";
import webpc from "../contenders/webpc.ts";
import type { Contender } from "../contenders/types.ts";

const DIR = join(dirname(fileURLToPath(import.meta.url)), "../contenders");

/** A contender from a module's exports: the default export, `contender`, or the module's own members. */
export function contenderFrom(mod: Record<string, unknown>): Contender | undefined {
  const isContender = (x: unknown): x is Contender => typeof x === "object" && x !== null &&
    typeof (x as Contender).name === "string" && ["available", "cpu", "boot"].every((k) => typeof (x as Record<string, unknown>)[k] === "function");
  for (const c of [mod.default, mod.contender, mod]) if (isContender(c)) return c;
  return Object.values(mod).find(isContender);
}

/** native first (the CPU baseline), then webpc (the boot baseline), then the peers. */
export async function loadContenders(): Promise<{ contenders: Contender[]; problems: Record<string, string> }> {
  const contenders: Contender[] = [native, webpc, qemu], problems: Record<string, string> = {};
  const v86 = join(DIR, "v86.ts");
  if (existsSync(v86)) {
    try {
      const c = contenderFrom(await import(pathToFileURL(v86).href) as Record<string, unknown>);
      if (c) contenders.push(c); else problems.v86 = `${v86} exports no contender ({ name, available, cpu, boot })`;
    } catch (e) { problems.v86 = `${v86} does not load: ${(e as Error).message}`; }
  }
  return { contenders, problems };
}
