// Debian packages through the system's own apt: resolve the candidate version, download with
// `apt-get download`, check the file against the SHA256 of the archive index. Never a hard-coded URL.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { join } from "node:path";
import { BuildError, isRoot, run, sha256File, sleep, sudo } from "./node-util.ts";

export interface Resolved {
  name: string;
  /** Architecture of the record ("all", "i386", "amd64", ...). */
  arch: string;
  version: string;
  sha256: string;
  size: number;
  depends: string;
  /** Where the .deb lands once fetched. */
  path?: string;
}

const UPDATE_FIX = `${sudo}apt-get update`;
let updatedOnce = false;
/**
 * Options for every apt call. Debian's container images switch apt's binary cache off (docker-clean), which
 * makes each apt-cache call re-parse all indexes (~3 s); a cache file of our own brings that to ~0.5 s.
 * apt checks it against the index files, so it never goes stale.
 */
let aptOptions: string[] = [];
export function useAptCache(dir: string): void {
  mkdirSync(dir, { recursive: true });
  aptOptions = ["-o", `Dir::Cache::pkgcache=${join(dir, "pkgcache.bin")}`, "-o", `Dir::Cache::srcpkgcache=${join(dir, "srcpkgcache.bin")}`];
}

/** Runs `apt-get update` (root only), retrying once; an index that fails does not stop the build. */
export function aptUpdate(log: (s: string) => void): void {
  if (!isRoot || updatedOnce) return;
  updatedOnce = true;
  for (let attempt = 1; attempt <= 2; attempt++) {
    log(`apt-get update (attempt ${attempt})`);
    const r = run("apt-get", [...aptOptions, "update", "-q"], { stdio: ["ignore", "pipe", "pipe"] });
    if (r.status === 0) return;
    log(`apt-get update reported errors; going on with the indexes that did load:\n${r.stderr.trim()}`);
    if (attempt === 1) sleep(3000);
  }
}

/** Checks that apt-get, apt-cache and dpkg-deb exist and that i386 packages can be installed. */
export function checkApt(log: (s: string) => void): void {
  for (const tool of ["apt-get", "apt-cache", "dpkg", "dpkg-deb"]) {
    if (run(tool, ["--version"]).missing) {
      throw new BuildError(
        `\`${tool}\` was not found. The firmware and guest images are built from Debian packages with the system's apt, so this needs a Debian or Ubuntu machine (or container).`,
        "run `npm run images` on Debian/Ubuntu (for example inside `docker run -it debian:bookworm`)",
      );
    }
  }
  const native = run("dpkg", ["--print-architecture"]).stdout.trim();
  if (native === "i386") return;
  const foreign = run("dpkg", ["--print-foreign-architectures"]).stdout.split(/\s+/);
  if (foreign.includes("i386")) return;
  if (isRoot) {
    log("adding the i386 architecture: dpkg --add-architecture i386");
    const r = run("dpkg", ["--add-architecture", "i386"]);
    if (r.status === 0) { updatedOnce = false; aptUpdate(log); return; }
  }
  throw new BuildError(
    "the i386 architecture is not enabled in dpkg, so busybox-static:i386 and linux-image-686:i386 cannot be fetched.",
    `${sudo}dpkg --add-architecture i386 && ${sudo}apt-get update`,
    "busybox-static:i386",
  );
}

function parseRecord(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  let key = "";
  for (const line of text.split("\n")) {
    if (line === "") { if (Object.keys(fields).length) break; continue; }
    if (/^\s/.test(line) && key) { fields[key] += "\n" + line.trim(); continue; }
    const m = /^([A-Za-z0-9-]+):\s?(.*)$/.exec(line);
    if (m) { key = m[1]; fields[key] = m[2]; }
  }
  return fields;
}

function toResolved(f: Record<string, string>): Resolved {
  return { name: f.Package, arch: f.Architecture, version: f.Version, sha256: f.SHA256, size: Number(f.Size), depends: f.Depends ?? "" };
}

/** Whether a record answers a query such as "busybox-static:i386" or "seabios". */
function matches(f: Record<string, string>, query: string): boolean {
  const [name, arch] = query.split(":");
  return f.Package === name && (!arch || f.Architecture === arch || f.Architecture === "all");
}

/**
 * The candidate records of several packages in one apt-cache call (each call costs a cache load). A query
 * apt does not answer is retried alone after one `apt-get update` (as root), then reported with its fix.
 */
export function resolveAll(names: string[], log: (s: string) => void): Map<string, Resolved> {
  const out = new Map<string, Resolved>();
  for (let attempt = 0; attempt < 2; attempt++) {
    const todo = names.filter((n) => !out.has(n));
    if (todo.length === 0) break;
    const r = run("apt-cache", [...aptOptions, "show", "--no-all-versions", ...todo]);
    const records = r.stdout.split(/\n\s*\n/).map(parseRecord).filter((f) => f.Version && f.SHA256);
    for (const n of todo) { const f = records.find((x) => matches(x, n)); if (f) out.set(n, toResolved(f)); }
    const missing = names.filter((n) => !out.has(n));
    if (missing.length === 0) break;
    if (attempt === 0 && isRoot && !updatedOnce) { aptUpdate(log); continue; }
    const name = missing[0];
    const err = run("apt-cache", [...aptOptions, "show", "--no-all-versions", name]).stderr.trim() || "no record";
    throw new BuildError(
      `apt does not know a candidate version of ${name} (apt-cache: ${err.split("\n")[0]}).`,
      name.endsWith(":i386") ? `${sudo}dpkg --add-architecture i386 && ${UPDATE_FIX}` : UPDATE_FIX,
      name,
    );
  }
  return out;
}

export function resolve(name: string, log: (s: string) => void): Resolved {
  return resolveAll([name], log).get(name)!;
}

/** Follows a meta-package (linux-image-686) to the first dependency whose name matches `pattern`. */
export function followMeta(meta: Resolved, pattern: RegExp): string {
  for (const alt of meta.depends.split(/[,|]/)) {
    const dep = alt.trim().split(/\s/)[0];
    if (pattern.test(dep)) return dep.includes(":") ? dep : `${dep}:${meta.arch}`;
  }
  throw new BuildError(`${meta.name} ${meta.version} has no dependency matching ${pattern}: ${meta.depends}`, UPDATE_FIX, meta.name);
}

export function debFileName(p: Resolved): string {
  return `${p.name}_${p.version.replace(/:/g, "%3a")}_${p.arch}.deb`;
}

/**
 * Makes sure `cacheDir` holds the .deb of `p` with the index's SHA256. A cached file with a wrong hash is
 * fetched again; a fresh download with a wrong hash is deleted and reported.
 */
export function download(p: Resolved, cacheDir: string, log: (s: string) => void): string {
  mkdirSync(cacheDir, { recursive: true });
  const dest = join(cacheDir, debFileName(p));
  const spec = `${p.name}:${p.arch === "all" ? "all" : p.arch}=${p.version}`.replace(":all=", "=");
  if (existsSync(dest)) {
    if (sha256File(dest) === p.sha256) return dest;
    log(`${debFileName(p)}: cached file does not match the archive's SHA256; fetching it again`);
    rmSync(dest, { force: true });
  }
  const tmp = mkdtempSync(join(cacheDir, ".download-"));
  try {
    let last = "";
    for (let attempt = 1; attempt <= 3; attempt++) {
      log(`apt-get download ${spec}${attempt > 1 ? ` (attempt ${attempt})` : ""}`);
      const r = run("apt-get", [...aptOptions, "download", "-q", spec], { cwd: tmp });
      const debs = readdirSync(tmp).filter((f) => f.endsWith(".deb"));
      if (r.status === 0 && debs.length === 1) {
        const got = join(tmp, debs[0]);
        const hash = sha256File(got);
        if (hash !== p.sha256) {
          throw new BuildError(
            `the downloaded ${debs[0]} has SHA256 ${hash}, but the archive index says ${p.sha256} (corrupt download or stale index).`,
            `${UPDATE_FIX} && npm run images`,
            p.name,
          );
        }
        renameSync(got, dest);
        return dest;
      }
      last = (r.missing ? "apt-get not found" : r.stderr.trim() || `exit status ${r.status}`).split("\n").slice(-3).join(" / ");
      for (const f of debs) rmSync(join(tmp, f), { force: true });
      if (attempt < 3) sleep(attempt * 2000);
    }
    throw new BuildError(`\`apt-get download ${spec}\` failed three times: ${last}`, `${UPDATE_FIX} && apt-get download ${spec}   # then: npm run images`, p.name);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
