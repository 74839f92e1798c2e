// Bad inputs to the image build: no apt-get, no i386 architecture, a failing download, a download whose
// SHA256 does not match the archive index. Each must end with a message naming the package and the command
// that fixes it, and leave no artefact (complete or partial) behind. The fakes are shell scripts put first
// on PATH; the build runs with its own output and cache directories, so the real images are untouched.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const noApt = spawnSync("apt-cache", ["--version"], { stdio: "ignore" }).error !== undefined;
const skip = noApt ? "no apt on this machine (these tests fake parts of it)" : false;

function which(cmd: string): string {
  return spawnSync("sh", ["-c", `command -v ${cmd}`], { encoding: "utf8" }).stdout.trim();
}

// One cache directory for the whole file: apt's package cache in it is built once (a few seconds).
const cache = mkdtempSync(join(tmpdir(), "webpc-images-err-cache-"));
process.on("exit", () => rmSync(cache, { recursive: true, force: true }));

/** Runs the build of one small artefact (the BIOS) with the given PATH; returns output and what it left. */
function runBuild(pathDirs: string[], extraArgs: string[] = []) {
  const work = mkdtempSync(join(tmpdir(), "webpc-images-err-"));
  const out = join(work, "out"), debs = join(work, "debs");
  const r = spawnSync(process.execPath, ["--import", "tsx", "images/build.ts", "--only", "bios", "--out", out, "--cache", cache, "--debs", debs, "--quiet", ...extraArgs], {
    cwd: ROOT, encoding: "utf8", env: { ...process.env, PATH: pathDirs.join(":") }, timeout: 240_000,
  });
  const files = (dir: string): string[] => existsSync(dir) ? readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name)) : [];
  const left = { out: files(out), debs: files(debs), tmp: [...files(cache), ...files(out), ...files(debs)].filter((f) => /\.tmp-|\.download-/.test(f)), state: files(cache).filter((f) => f.endsWith("state.json")) };
  rmSync(work, { recursive: true, force: true });
  return { status: r.status, stderr: r.stderr, stdout: r.stdout, left };
}

function fakeBin(scripts: Record<string, string>, links: string[] = []): string {
  const dir = mkdtempSync(join(tmpdir(), "webpc-fakebin-"));
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(dir, name), `#!/bin/sh\n${body}\n`);
    chmodSync(join(dir, name), 0o755);
  }
  for (const l of links) symlinkSync(which(l), join(dir, l));
  return dir;
}

const realPath = (process.env.PATH ?? "").split(":");

test("images errors: no apt-get names the need for Debian/Ubuntu and exits non-zero", { skip }, () => {
  const bin = fakeBin({}, ["apt-cache", "dpkg", "dpkg-deb", "sh"]); // everything but apt-get, nothing else on PATH
  const r = runBuild([bin]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /`apt-get` was not found/);
  assert.match(r.stderr, /fix: run `npm run images` on Debian\/Ubuntu/);
  assert.deepEqual(r.left.out, []);
  rmSync(bin, { recursive: true });
});

test("images errors: missing i386 architecture names the package and the dpkg command", { skip }, () => {
  // a dpkg that reports an amd64 system without foreign architectures and refuses to add one
  const bin = fakeBin({
    dpkg: `case "$1" in --print-architecture) echo amd64;; --print-foreign-architectures) ;; --version) echo fake;; *) exit 2;; esac`,
  });
  const r = runBuild([bin, ...realPath]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[package busybox-static:i386\] the i386 architecture is not enabled/);
  assert.match(r.stderr, /fix: (sudo )?dpkg --add-architecture i386 && (sudo )?apt-get update/);
  assert.deepEqual(r.left.out, []);
  rmSync(bin, { recursive: true });
});

test("images errors: a failing download is retried, then reported with the package and apt-get command", { skip, timeout: 240_000 }, () => {
  const bin = fakeBin({ "apt-get": `case "$*" in *download*) echo "E: Failed to fetch seabios (fake network error)" >&2; exit 100;; --version*) echo fake;; *) exit 0;; esac` });
  const r = runBuild([bin, ...realPath]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[package seabios\] `apt-get download seabios=[^`]+` failed three times: .*fake network error/);
  assert.match(r.stderr, /fix: .*apt-get update && apt-get download seabios=/);
  assert.deepEqual(r.left.out, []);
  assert.deepEqual(r.left.debs, []);
  assert.deepEqual(r.left.tmp, []);
  assert.deepEqual(r.left.state, []);
  rmSync(bin, { recursive: true });
});

test("images errors: a download whose SHA256 differs from the index is deleted and reported", { skip }, () => {
  const bin = fakeBin({ "apt-get": `case "$*" in *download*) echo "not a deb" > seabios_1.0_all.deb;; --version*) echo fake;; *) exit 0;; esac` });
  const r = runBuild([bin, ...realPath]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\[package seabios\] the downloaded seabios_1.0_all.deb has SHA256 [0-9a-f]{64}, but the archive index says [0-9a-f]{64}/);
  assert.match(r.stderr, /fix: .*apt-get update && npm run images/);
  assert.deepEqual(r.left.out, []);
  assert.deepEqual(r.left.debs, []);
  assert.deepEqual(r.left.tmp, []);
  rmSync(bin, { recursive: true });
});

test("images errors: --soft reports the failure but exits 0 (postinstall and npm test keep going)", { skip }, () => {
  const bin = fakeBin({}, ["apt-cache", "dpkg", "dpkg-deb", "sh"]);
  const r = runBuild([bin], ["--soft"]);
  assert.equal(r.status, 0);
  assert.match(r.stderr, /`apt-get` was not found/);
  assert.match(r.stderr, /continuing without images/);
  rmSync(bin, { recursive: true });
});

test("images errors: unknown artefact ids are refused", () => {
  const r = spawnSync(process.execPath, ["--import", "tsx", "images/build.ts", "--only", "no-such-thing", "--out", join(tmpdir(), "webpc-none")], { cwd: ROOT, encoding: "utf8" });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /unknown artefact "no-such-thing"/);
  mkdirSync(join(tmpdir(), "webpc-none"), { recursive: true });
  assert.deepEqual(readdirSync(join(tmpdir(), "webpc-none")), []);
  rmSync(join(tmpdir(), "webpc-none"), { recursive: true, force: true });
});
