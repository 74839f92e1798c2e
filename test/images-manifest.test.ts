// The images build (images/build.ts, run by `npm test` before the tests): the manifest is valid against
// images/manifest.schema.json, every listed file exists with its size and SHA256, versions are compared
// with images/versions.lock.json, and a second build changes nothing and takes seconds.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const OUT = join(ROOT, "public/images");
const MANIFEST = join(OUT, "manifest.json");
const aptMissing = spawnSync("apt-get", ["--version"], { stdio: "ignore" }).error !== undefined;
/** Without apt the images cannot be built: skip, saying why. With apt, a missing manifest is a failure. */
const skip = aptMissing && !existsSync(MANIFEST) ? "no apt-get on this machine: images are built from Debian packages (see images/README.md)" : false;

type Schema = Record<string, any>;
/** Validates the JSON Schema subset the manifest schema uses; returns error paths. */
function validate(schema: Schema, value: unknown, path = "$"): string[] {
  const errs: string[] = [];
  if ("const" in schema && value !== schema.const) errs.push(`${path}: expected ${JSON.stringify(schema.const)}`);
  if (schema.enum && !schema.enum.includes(value)) errs.push(`${path}: ${JSON.stringify(value)} not in ${schema.enum.join("|")}`);
  const t = schema.type;
  if (t === "object") {
    if (typeof value !== "object" || value === null || Array.isArray(value)) return [...errs, `${path}: not an object`];
    const v = value as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in v)) errs.push(`${path}: missing ${k}`);
    for (const [k, sub] of Object.entries(v)) {
      const s = schema.properties?.[k];
      if (s) errs.push(...validate(s, sub, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unexpected property ${k}`);
    }
  } else if (t === "array") {
    if (!Array.isArray(value)) return [...errs, `${path}: not an array`];
    if (schema.minItems !== undefined && value.length < schema.minItems) errs.push(`${path}: fewer than ${schema.minItems} items`);
    value.forEach((item, i) => errs.push(...validate(schema.items ?? {}, item, `${path}[${i}]`)));
  } else if (t === "string") {
    if (typeof value !== "string") return [...errs, `${path}: not a string`];
    if (schema.minLength !== undefined && value.length < schema.minLength) errs.push(`${path}: too short`);
    if (schema.pattern && !new RegExp(schema.pattern).test(value)) errs.push(`${path}: ${JSON.stringify(value)} does not match ${schema.pattern}`);
  } else if (t === "integer") {
    if (!Number.isInteger(value)) return [...errs, `${path}: not an integer`];
    if (schema.minimum !== undefined && (value as number) < schema.minimum) errs.push(`${path}: below ${schema.minimum}`);
  }
  return errs;
}

const manifest = () => JSON.parse(readFileSync(MANIFEST, "utf8"));
const schema = () => JSON.parse(readFileSync(join(ROOT, "images/manifest.schema.json"), "utf8"));

test("images: manifest.json is valid against images/manifest.schema.json", { skip }, () => {
  assert.ok(existsSync(MANIFEST), `${MANIFEST} is missing: the image build failed (run \`npm run images\` to see why)`);
  assert.deepEqual(validate(schema(), manifest()), []);
});

test("images: the schema validator rejects a broken manifest", () => {
  const bad = { schemaVersion: 1, generator: "x", packages: [], profiles: [], artefacts: [{ id: "Bad Id", kind: "floppy", size: -1 }] };
  const errs = validate(schema(), bad);
  assert.ok(errs.some((e) => e.includes("missing sha256")), errs.join("\n"));
  assert.ok(errs.some((e) => e.includes("not in firmware")));
  assert.ok(errs.some((e) => e.includes("does not match")));
});

test("images: every artefact exists with the recorded size and SHA256", { skip }, () => {
  const m = manifest();
  const ids = new Set<string>();
  for (const a of m.artefacts) {
    assert.ok(!ids.has(a.id), `duplicate id ${a.id}`);
    ids.add(a.id);
    const data = readFileSync(join(OUT, a.file));
    assert.equal(data.length, a.size, `${a.file} size`);
    assert.equal(createHash("sha256").update(data).digest("hex"), a.sha256, `${a.file} sha256`);
  }
  for (const want of ["bios", "vgabios", "linux-kernel", "linux-initrd", "linux-cd", "linux-hd", "memtest86", "cpubench", "cpubench-mb", "mbhello", "guest-tools"]) {
    assert.ok(ids.has(want), `artefact ${want} listed`);
  }
  for (const p of m.profiles) for (const [slot, id] of Object.entries(p.media)) assert.ok(ids.has(id as string), `profile ${p.id} ${slot} -> ${id}`);
  const profiles = m.profiles.map((p: { id: string }) => p.id);
  for (const want of ["linux-direct", "linux-cd", "linux-hd", "memtest86", "freedos", "kolibrios", "custom-iso"]) assert.ok(profiles.includes(want), `profile ${want}`);
  // every package an artefact names is listed with its version
  const pkgs = new Map(m.packages.map((p: { name: string; version: string }) => [p.name, p.version]));
  for (const a of m.artefacts) for (const s of a.sources) assert.equal(pkgs.get(s.package), s.version, `${a.id} source ${s.package}`);
  // profiles that point at user images name test images that exist in ../shared
  for (const p of m.profiles) if (p.user?.testImage) assert.ok(existsSync(join(ROOT, p.user.testImage)) || !existsSync(join(ROOT, "../shared/images")), `${p.id}: ${p.user.testImage}`);
});

test("images: versions match images/versions.lock.json (a difference is a warning)", { skip }, (t) => {
  const lock = JSON.parse(readFileSync(join(ROOT, "images/versions.lock.json"), "utf8")).packages as Record<string, string>;
  for (const p of manifest().packages) {
    // Debian's archive moves on (a new kernel ABI renames linux-image-6.1.0-N-686): the build takes what it has,
    // so a package the lock does not list is drift to report like a version, not a broken checkout
    if (!(p.name in lock)) { t.diagnostic(`warning: ${p.name} ${p.version} is not in the lock file`); continue; }
    if (lock[p.name] !== p.version) t.diagnostic(`warning: ${p.name} is ${p.version}, the lock file says ${lock[p.name]}`);
  }
});

test("images: a second build rebuilds nothing", { skip, timeout: 120_000 }, () => {
  const before = new Map(readdirSync(OUT).map((f) => [f, statSync(join(OUT, f)).mtimeMs]));
  const r = spawnSync(process.execPath, ["--import", "tsx", "images/build.ts"], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /everything up to date/);
  for (const [f, mtime] of before) assert.equal(statSync(join(OUT, f)).mtimeMs, mtime, `${f} was rewritten`);
});

test("images: cpubench runs on the host and prints nine checksums", { skip: skip || (process.arch !== "x64" && process.arch !== "ia32" ? "not an x86 host" : false) }, () => {
  const r = spawnSync(join(OUT, "cpubench"), [], { encoding: "utf8", timeout: 30_000 });
  if (r.error) return; // a kernel without 32-bit support: nothing to check here (the QEMU test runs it)
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout.match(/checksum [0-9a-f]{8}/g)?.length, 9, r.stdout);
});
