// Share links (web/app/share-link.ts): a MachineConfig in the URL fragment. Round trips (also through the
// WHATWG URL parser, as a browser stores the link), readable output, and malformed links that must give clear
// messages and a usable machine, never an exception.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { encodeLink, encodeLinkWithNotes, decodeLink, LINK_MAX_CHARS } from "../web/app/share-link.ts";
import { DRIVE_NAMES, resolveMachine, type ImagesManifest, type MachineConfig, type ImageRef } from "../web/app/machine-config.ts";

const MANIFEST_PATH = join(import.meta.dirname, "../public/images/manifest.json");
const manifest: ImagesManifest | undefined = existsSync(MANIFEST_PATH) ? JSON.parse(readFileSync(MANIFEST_PATH, "utf8")) : undefined;
const skip = manifest ? false : "no public/images/manifest.json: run `npm run images`";

/** Deterministic pseudo-random numbers (xorshift32), so a failure is reproducible. */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; return s / 0x100000000; };
}
const TRICKY = ["a", "Z", "0", " ", "&", "=", "#", "%", "+", "?", "/", ":", ",", ";", "@", "\"", "'", "<", ">", "`", "\\", "~",
  "é", "ü", "€", "日本", "😀", "\n", "\t", "%41", "%%", "&&", "==", "ß"];
function randomText(r: () => number, max: number, pool = TRICKY): string {
  let s = "";
  const n = Math.floor(r() * max);
  for (let i = 0; i < n; i++) s += pool[Math.floor(r() * pool.length)];
  return s;
}
/** Through the URL parser: what location.hash gives after the browser stored the link. */
const viaUrl = (fragment: string) => new URL(`https://example.org/app/${fragment}`).hash;

test("share link: a full config reads well and survives the round trip", () => {
  const config: MachineConfig = {
    profile: "linux-direct", memoryMiB: 256, boot: "kernel", cmdline: "console=ttyS0,115200 init=/bin/sh quiet",
    images: [{ drive: "hda", media: "hd", source: { kind: "url", url: "https://example.org/disks/my.img?token=a&b=c#x" } }],
    type: "uname -a\necho 'héllo 😀' && ls /\n", typeTo: "serial",
  };
  const frag = encodeLink(config);
  assert.match(frag, /^#profile=linux-direct&mem=256&boot=kernel&cmdline=console=ttyS0,115200%20init=\/bin\/sh%20quiet&hda=https:\/\/example\.org\/disks\/my\.img\?token=a%26b=c%23x&type=/);
  assert.match(frag, /&typeto=serial$/);
  for (const f of [frag, frag.slice(1), viaUrl(frag)]) {
    const { config: back, errors } = decodeLink(f, manifest);
    assert.deepEqual(errors, []);
    assert.deepEqual(back, config);
  }
});

test("share link: random valid configs round-trip exactly (unicode text, special characters in the command line)", () => {
  const r = rng(8);
  const profiles = ["linux-direct", "linux-cd", "linux-hd", "custom-hd", "freedos"];
  for (let i = 0; i < 300; i++) {
    const c: MachineConfig = { profile: profiles[Math.floor(r() * profiles.length)] };
    if (r() < 0.5) c.memoryMiB = 2 + Math.floor(r() * 2046);
    if (r() < 0.5) c.boot = ["a", "c", "d", "dc", "cad", "dac"][Math.floor(r() * 6)];
    if (r() < 0.5) c.cmdline = randomText(r, 40, TRICKY.filter((t) => !/[\n\t]/.test(t)));
    if (r() < 0.5) {
      const images: ImageRef[] = [];
      for (const d of DRIVE_NAMES) {
        if (r() < 0.3) images.push({ drive: d, media: d.startsWith("fd") ? "floppy" : d === "hdc" && r() < 0.5 ? "cdrom" : "hd",
          source: { kind: "url", url: `https://h.example/${encodeURIComponent(randomText(r, 8))}?q=${randomText(r, 6, ["a", "&", "=", "%20"])}` } });
      }
      if (images.length) c.images = images;
    }
    if (r() < 0.5) c.type = randomText(r, 60);
    if (r() < 0.3) c.typeTo = "serial";
    const frag = encodeLink(c);
    const a = decodeLink(frag), b = decodeLink(viaUrl(frag));
    assert.deepEqual(a.errors, [], `${frag}: ${a.errors}`);
    assert.deepEqual(a.config, c, frag);
    assert.deepEqual(b.config, c, `through URL: ${frag}`);
  }
});

test("share link: files cannot go in a link and are named in a note", () => {
  const { fragment, omitted } = encodeLinkWithNotes({ profile: "freedos", images: [{ drive: "fda", media: "floppy", source: { kind: "file", name: "freedos722.img", size: 737280 } }] });
  assert.equal(fragment, "#profile=freedos");
  assert.match(omitted.join(), /freedos722\.img .*cannot go in a link/);
  assert.equal(encodeLinkWithNotes({ profile: "x", images: [{ drive: "hdd", media: "cdrom", source: { kind: "url", url: "https://e/a.iso" } }] }).omitted.length, 1);
});

test("share link: an empty fragment is the default machine; image URLs alone pick the matching 'any image' machine", () => {
  assert.deepEqual(decodeLink(""), { config: { profile: "linux-direct" }, errors: [] });
  assert.deepEqual(decodeLink("#"), { config: { profile: "linux-direct" }, errors: [] });
  assert.equal(decodeLink("#cdrom=https://e.org/a.iso").config.profile, "custom-iso");
  assert.equal(decodeLink("#fda=https://e.org/a.img").config.profile, "custom-floppy");
  assert.equal(decodeLink("#fda=https://e.org/a.img&hda=https://e.org/b.img").config.profile, "custom-hd");
  assert.deepEqual(decodeLink("#cdrom=https://e.org/a.iso").config.images, [{ drive: "hdc", media: "cdrom", source: { kind: "url", url: "https://e.org/a.iso" } }]);
});

test("share link: each bad part gives a clear message and is dropped; the rest is kept", () => {
  const one = (frag: string) => { const r = decodeLink(frag, manifest); assert.equal(r.errors.length, 1, `${frag}: ${JSON.stringify(r.errors)}`); return r; };
  let r = one("#profile=linux-hd&mem=abc&boot=dc");
  assert.match(r.errors[0], /memory size "abc" is not a number/);
  assert.deepEqual(r.config, { profile: "linux-hd", boot: "dc" });
  assert.match(one("#mem=1").errors[0], /memory size 1 MiB/);
  assert.match(one("#mem=99999").errors[0], /memory size 99999 MiB/);
  assert.match(one("#mem=-5").errors[0], /not a number/);
  assert.match(one("#boot=zz").errors[0], /boot order "zz"/);
  r = one("#frobnicate=1&mem=64");
  assert.match(r.errors[0], /unknown setting "frobnicate"/);
  assert.equal(r.config.memoryMiB, 64);
  assert.match(one("#mem").errors[0], /"mem" has no value/);
  assert.match(one("#mem=64&mem=128").errors[0], /"mem" twice/);
  assert.equal(one("#mem=64&mem=128").config.memoryMiB, 64);
  assert.match(one("#type=%E0%A4").errors[0], /broken %-escape/);
  assert.match(one("#hda=javascript:alert(1)").errors[0], /not an http\(s\) URL/);
  assert.match(one("#hda=file:///etc/passwd").errors[0], /not an http\(s\) URL/);
  assert.match(one("#hda=not a url").errors[0], /not a valid URL/);
  assert.match(one(`#type=${"x".repeat(5000)}`).errors[0], /5000 characters/);
  assert.match(one(`#cmdline=${"y".repeat(3000)}`).errors[0], /3000 bytes/);
  assert.match(one("#cmdline=a%0Ab").errors[0], /control characters/);
  assert.match(one("#typeto=printer").errors[0], /not "keyboard" or "serial"/);
  assert.match(one("#hdc=https://e/a.img&cdrom=https://e/b.iso").errors[0], /both "cdrom" and "hdc"/);
  const long = decodeLink(`#type=${"x".repeat(LINK_MAX_CHARS)}`);
  assert.deepEqual(long.config, { profile: "linux-direct" });
  assert.match(long.errors[0], /too long|characters long/);
});

test("share link: an unknown profile gives the default machine with a message", { skip }, () => {
  const r = decodeLink("#profile=windows-11&mem=4096", manifest);
  assert.deepEqual(r.config, { profile: "linux-direct" });
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0], /unknown machine "windows-11".*linux-direct/);
  assert.match(decodeLink("#profile=../../etc").errors[0], /unknown machine/, "malformed id even without a manifest");
  assert.match(decodeLink("#profile=linux-cd&boot=kernel", manifest).errors[0], /has no kernel/);
});

test("share link: malformed fragments never throw and always give a machine that resolves or says why", { skip }, () => {
  const r = rng(0xC0FFEE);
  const pool = [...TRICKY, "profile", "mem", "boot", "cmdline", "hda", "cdrom", "type", "typeto", "=", "&", "%", "%E0", "%ZZ", "%00",
    "https://", "kernel", "linux-direct", "128", "\uD800", "\uDFFF", "#"];
  for (let i = 0; i < 2000; i++) {
    const frag = (r() < 0.5 ? "#" : "") + randomText(r, 30, pool);
    let out: ReturnType<typeof decodeLink>;
    try { out = decodeLink(frag, manifest); } catch (e) { assert.fail(`decodeLink threw on ${JSON.stringify(frag)}: ${e}`); }
    assert.ok(manifest!.profiles.some((p) => p.id === out.config.profile), `profile ${out.config.profile} from ${JSON.stringify(frag)}`);
    for (const e of out.errors) assert.ok(typeof e === "string" && e.length > 10);
    // whatever came out resolves, or says in words why not
    const res = resolveMachine(out.config, manifest!);
    if (!res.ok) for (const e of res.errors) assert.ok(e.length > 10);
    // and encoding what came out is stable
    assert.deepEqual(decodeLink(encodeLink(out.config), manifest).config, out.config, JSON.stringify(frag));
  }
  assert.doesNotThrow(() => encodeLink({ profile: "linux-direct", type: "lone \uD800 surrogate" }));
});
