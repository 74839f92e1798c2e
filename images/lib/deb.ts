// Unpacking .deb files with the system's dpkg-deb into a cache directory keyed by the file name
// (which contains the exact version), so each package is unpacked once.
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, join } from "node:path";
import { BuildError, run, sudo } from "./node-util.ts";

export function extractDeb(debPath: string, extractRoot: string, pkg: string): string {
  const dest = join(extractRoot, basename(debPath, ".deb"));
  if (existsSync(join(dest, ".complete"))) return dest;
  mkdirSync(extractRoot, { recursive: true });
  const tmp = `${dest}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  rmSync(dest, { recursive: true, force: true });
  try {
    const r = run("dpkg-deb", ["-x", debPath, tmp]);
    if (r.status !== 0) {
      throw new BuildError(`dpkg-deb could not unpack ${basename(debPath)}: ${r.stderr.trim()}`, `rm ${debPath} && npm run images   # or: ${sudo}apt-get install dpkg`, pkg);
    }
    writeFileSync(join(tmp, ".complete"), "");
    renameSync(tmp, dest);
    return dest;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
