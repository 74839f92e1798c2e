// The web app: wires the page (toolbar, canvas, serial console, status bar, panels) to the machine's worker.
// The machine is described by a MachineConfig (the picker, the settings, a share link, a user's image) and
// resolved against the images manifest into a MachinePlan the worker boots.
import "./style.css";
import { VmClient } from "./vm-client.ts";
import { Display } from "./display.ts";
import { SerialConsole } from "./serial-console.ts";
import { StatusBar } from "./status-bar.ts";
import { Messages } from "./messages.ts";
import { loadManifest, planMachine } from "./plan.ts";
import { decodeLink, encodeLinkWithNotes, IMAGE_PROFILES } from "./share-link.ts";
import { classifyImage, CLASSIFY_HEAD_BYTES, type MachineConfig, type ImagesManifest, type MediaKind } from "./machine-config.ts";
import { COMBOS } from "./input.ts";
import { createOnScreenKeyboard } from "./on-screen-keyboard.ts";
import "./on-screen-keyboard.css";
import type { DriveName } from "../machine/pc.ts";
import { setupInput, type InputHandle } from "./input-setup.ts";
import { setupTeaching } from "./teaching-setup.ts";
import { TypeTrigger } from "./type-trigger.ts";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

const messages = new Messages($("messages"));
const display = new Display($<HTMLCanvasElement>("screen"), $("screen-area"));
const status = new StatusBar({ state: $("st-state"), mips: $("st-mips"), disk: $("st-disk"), res: $("st-res"), time: $("st-time"), mem: $("st-mem") });
let vm: VmClient | null = null;
let input: InputHandle | null = null;
let manifest: ImagesManifest | null = null;
let config: MachineConfig = { profile: "linux-direct" };
/** The user's files by name (configs and links only name them). */
const files = new Map<string, File>();
let drives: DriveName[] = [];
let screenLines: string[] | null = null;
let booted = false;
/** Types the link's text into the machine when its guest is ready for it. */
let trigger: TypeTrigger | undefined;
/** The tail of the firmware's log (SeaBIOS on port 402h): how the machine got to booting. */
let firmwareLog = "";
const serial = new SerialConsole($("terminal"), (bytes) => vm?.serialIn(bytes));

// ---- the test and embedding hook: read-only views of what the page shows ----------------------------------
const hook = {
  get state() { return status.state; },
  get status() { return status.last; },
  get booted() { return booted; },
  get config() { return config; },
  screenText: () => screenLines?.join("\n") ?? "",
  serialText: () => serial.text(),
  firmwareLog: () => firmwareLog,
  framesShown: () => display.frames,
  screenNotBlank: () => display.notBlank(),
  messages: () => messages.all(),
  typeText: (text: string) => vm?.typeText(text),
  /** Bytes to COM1 as if typed in the terminal. */
  sendSerial: (text: string) => vm?.serialIn(new TextEncoder().encode(text)),
  get client() { return vm; },
};
(globalThis as unknown as { webpc: typeof hook }).webpc = hook;

// ---- benchmarks and tests only: `?clock=virtual` (a query parameter; the share-link decoder reads only the
// fragment) boots on the virtual clock, so `npm run bench:web` compares the worker with the Node runner on the
// same work. Users get the real-time clock. -------------------------------------------------------------------------
const clockParam = new URLSearchParams(location.search).get("clock");
const benchClock: "virtual" | "realtime" | undefined = clockParam === "virtual" || clockParam === "realtime" ? clockParam : undefined;

// ---- booting a machine ----------------------------------------------------------------------------------------
function boot(cfg: MachineConfig): void {
  if (!manifest) return;
  const planned = planMachine(cfg, manifest, files, document.baseURI);
  for (const w of planned.warnings) messages.show("warning", w);
  for (const e of planned.errors) messages.show("error", e);
  if (!planned.plan) {
    if (!vm) status.update({ ...IDLE_STATUS, state: "error" });
    return;
  }
  config = cfg;
  vm?.terminate();
  input?.detach();
  booted = false;
  screenLines = null;
  serial.term.reset();
  firmwareLog = "";
  $("screen-text").textContent = "";
  const plan = benchClock ? { ...planned.plan, clock: benchClock } : planned.plan; // see benchClock
  const driveSelect = $<HTMLSelectElement>("disk-drive");
  driveSelect.replaceChildren(...plan.disks.map((d) => new Option(`${d.drive}: ${d.name}`, d.drive)));
  for (const b of ["reset-disk", "download-disk"]) ($<HTMLButtonElement>(b)).disabled = plan.disks.length === 0;
  syncForm();
  document.title = `${plan.title} — webpc`;
  const typing = planned.type;
  trigger?.dispose();
  trigger = typing ? new TypeTrigger(typing, () => {
    if (typing.to === "serial") vm?.serialIn(new TextEncoder().encode(typing.text));
    else vm?.typeText(typing.text).catch((e: Error) => messages.show("warning", `Typing the link's text: ${e.message}`));
  }) : undefined;
  const decoder = new TextDecoder("latin1");
  vm = new VmClient({
    frame: (m) => display.frame(m),
    serial: (_port, bytes) => { serial.write(bytes); trigger?.serialOutput(decoder.decode(bytes)); },
    firmwareLog: (bytes) => { firmwareLog = (firmwareLog + String.fromCharCode(...bytes)).slice(-65536); },
    screenText: (lines) => {
      screenLines = lines; const pre = $("screen-text"); pre.textContent = lines ? lines.join("\n") : "(graphics mode: no text)";
      if (lines) trigger?.screenText(lines.join("\n"));
    },
    status: (s) => { status.update(s); $("pause").textContent = s.state === "paused" ? "Continue" : "Pause"; teaching.refresh(); },
    message: (level, text) => messages.show(level, text),
    progress: (what, loaded, total) => showProgress(what, loaded, total),
    ready: (shared) => { status.transport(shared); hideProgress(); trigger?.started(); },
    booted: () => { booted = true; trigger?.readyTextSeen(); },
  });
  input = setupInput(vm, display.canvas, messages);
  teaching.attach(vm);
  vm.start(plan);
  display.canvas.focus();
}

const IDLE_STATUS = { state: "loading" as const, mips: 0, instructions: 0, diskReads: 0, diskWrites: 0, busyDrives: [], width: 0, height: 0, mode: "off" as const, guestSeconds: 0, busy: 0 };

// a hidden tab needs no pictures: the worker keeps the changes for when it is shown again
document.addEventListener("visibilitychange", () => vm?.send({ type: "page-visible", visible: !document.hidden }));

// ---- progress ---------------------------------------------------------------------------------------------------
let progressTimer = 0;
function showProgress(what: string, loaded: number, total: number): void {
  $("progress").hidden = false;
  $("progress-label").textContent = `Loading ${what}: ${(loaded / 1048576).toFixed(1)} of ${(total / 1048576).toFixed(1)} MiB`;
  ($<HTMLProgressElement>("progress-bar")).value = total ? loaded / total : 0;
  clearTimeout(progressTimer);
  progressTimer = window.setTimeout(hideProgress, 1500);
}
function hideProgress(): void { $("progress").hidden = true; }

// ---- the toolbar ------------------------------------------------------------------------------------------------
function syncForm(): void {
  $<HTMLSelectElement>("profile").value = config.profile;
  const p = manifest?.profiles.find((x) => x.id === config.profile);
  $<HTMLInputElement>("memory").value = String(config.memoryMiB ?? p?.memoryMiB ?? 128);
  $<HTMLInputElement>("boot-order").value = config.boot ?? (p?.boot === "kernel" ? "kernel" : "");
  $<HTMLInputElement>("cmdline").value = config.cmdline ?? p?.cmdline ?? "";
  $<HTMLInputElement>("type-text").value = (config.type ?? "").replace(/\n/g, "\\n");
}

function formConfig(): MachineConfig {
  const profile = $<HTMLSelectElement>("profile").value;
  const p = manifest?.profiles.find((x) => x.id === profile);
  const cfg: MachineConfig = { profile };
  const mem = Number($<HTMLInputElement>("memory").value);
  if (mem && mem !== p?.memoryMiB) cfg.memoryMiB = mem;
  const bootOrder = $<HTMLInputElement>("boot-order").value.trim();
  if (bootOrder && bootOrder !== (p?.boot === "kernel" ? "kernel" : "")) cfg.boot = bootOrder;
  const cmdline = $<HTMLInputElement>("cmdline").value;
  if (p?.cmdline !== undefined && cmdline !== p.cmdline) cfg.cmdline = cmdline;
  const type = $<HTMLInputElement>("type-text").value.replace(/\\n/g, "\n");
  if (type) cfg.type = type;
  if (profile === config.profile && config.images?.length) cfg.images = config.images; // same machine, same images
  return cfg;
}

$("machine-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const cfg = formConfig();
  if (manifest?.profiles.find((p) => p.id === cfg.profile)?.user && !config.images?.length) {
    messages.show("info", "This machine boots an image you provide: choose a file, drop it on the screen, or give its URL.");
    return;
  }
  navigate(cfg);
});
$<HTMLSelectElement>("profile").addEventListener("change", () => {
  const cfg: MachineConfig = { profile: $<HTMLSelectElement>("profile").value };
  config = cfg; syncForm();
});

/** A machine from a link: the fragment changes and the hashchange handler boots it. */
function navigate(cfg: MachineConfig): void {
  const { fragment, omitted } = encodeLinkWithNotes(cfg);
  if (omitted.length) { boot(cfg); return; } // the user's files cannot be in the address: boot without a link
  if (location.hash === fragment) boot(cfg); else location.hash = fragment;
}
window.addEventListener("hashchange", () => startFromLink());

function startFromLink(): void {
  if (!manifest) return;
  const { config: cfg, errors } = decodeLink(location.hash, manifest);
  for (const e of errors) messages.show("error", `Link: ${e}`);
  boot(cfg);
}

// own images: file picker, drag and drop, URL
function chosenMedia(): MediaKind | undefined {
  const v = $<HTMLSelectElement>("image-media").value;
  return v === "auto" ? undefined : (v as MediaKind);
}
async function bootFile(f: File): Promise<void> {
  const head = new Uint8Array(await f.slice(0, CLASSIFY_HEAD_BYTES).arrayBuffer());
  const c = classifyImage(f.name, f.size, head, { media: chosenMedia() });
  if (!c.ok) { messages.show("error", c.error); return; }
  for (const w of c.warnings) messages.show("warning", w);
  files.set(f.name, f);
  boot({ profile: IMAGE_PROFILES[c.media], images: [{ drive: c.drive, media: c.media, source: { kind: "file", name: f.name, size: f.size } }] });
}
$<HTMLInputElement>("image-file").addEventListener("change", (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void bootFile(f);
  (e.target as HTMLInputElement).value = "";
});
$("image-url-go").addEventListener("click", () => {
  const url = $<HTMLInputElement>("image-url").value.trim();
  if (!url) { messages.show("warning", "Give the address of a disk image first."); return; }
  let abs: string;
  try { abs = new URL(url, document.baseURI).href; } catch { messages.show("error", `"${url}" is not a web address.`); return; }
  void bootUrl(abs);
});
/** An image by URL: its size (a HEAD request) and name decide what kind of disk it is, unless the user chose. */
async function bootUrl(url: string): Promise<void> {
  const name = decodeURIComponent(url.split("?")[0].split("/").pop() || url);
  let size = -1;
  try {
    const r = await fetch(url, { method: "HEAD" });
    if (!r.ok) { messages.show("error", `${url}: the server answered ${r.status} ${r.statusText}: no image at this address.`); return; }
    size = Number(r.headers.get("content-length") ?? -1);
  } catch (e) {
    messages.show("error", `Could not reach ${url} (${(e as Error).message}): check the address, that the server is up and allows this page (CORS), and your connection.`);
    return;
  }
  const known = Number.isSafeInteger(size) && size >= 0;
  const c = known ? classifyImage(name, size, undefined, { media: chosenMedia() })
    : classifyImage(name, /\.iso$/i.test(name) ? 34816 : 1 << 20, undefined, { media: chosenMedia() }); // size unknown: by name
  if (!c.ok) { messages.show("error", c.error); return; }
  navigate({ profile: IMAGE_PROFILES[c.media], images: [{ drive: c.drive, media: c.media, source: { kind: "url", url } }] });
}
const area = $("screen-area");
area.addEventListener("dragover", (e) => { e.preventDefault(); area.classList.add("drop"); $("drop-hint").hidden = false; });
area.addEventListener("dragleave", () => { area.classList.remove("drop"); $("drop-hint").hidden = true; });
area.addEventListener("drop", (e) => {
  e.preventDefault();
  area.classList.remove("drop"); $("drop-hint").hidden = true;
  const f = e.dataTransfer?.files?.[0];
  if (f) void bootFile(f);
});

// keys
const comboSelect = $<HTMLSelectElement>("combo");
comboSelect.append(...COMBOS.map((c) => new Option(c.label, c.id)));
comboSelect.addEventListener("change", () => { if (comboSelect.value) input?.combo(comboSelect.value); comboSelect.value = ""; });
$("paste").addEventListener("click", async () => {
  let text: string | null = null;
  try { text = await navigator.clipboard.readText(); } catch { /* no clipboard permission: ask */ }
  text ??= prompt("Text to type on the guest's keyboard:");
  if (text) input?.paste(text);
  display.canvas.focus();
});
const osk = createOnScreenKeyboard({ key: (code, down) => vm?.key(code, down), mouse: () => {} });
$("osk").replaceWith(osk.element);
$("osk-toggle").addEventListener("click", () => { const on = osk.toggle(); $("osk-toggle").setAttribute("aria-pressed", String(on)); display.fit(); });

// power
$("pause").addEventListener("click", () => vm?.send({ type: status.state === "paused" ? "resume" : "pause" }));
$("reset").addEventListener("click", () => vm?.send({ type: "reset" }));
$("power-button").addEventListener("click", () => vm?.send({ type: "power-button" }));
$("power-off").addEventListener("click", () => vm?.send({ type: "power-off" }));

// view
$("fullscreen").addEventListener("click", () => {
  if (document.fullscreenElement) void document.exitFullscreen();
  else area.requestFullscreen().catch((e: Error) => messages.show("warning", `Fullscreen was refused: ${e.message}`));
});
document.addEventListener("fullscreenchange", () => display.fit());
$("screenshot").addEventListener("click", async () => {
  try { download(await display.screenshot(), `webpc-${new Date().toISOString().replace(/[:.]/g, "-")}.png`); }
  catch (e) { messages.show("error", (e as Error).message); }
});
$<HTMLInputElement>("smooth").addEventListener("change", (e) => display.setSmooth((e.target as HTMLInputElement).checked));
// the text screen is always there for screen readers; "Text view" shows it to everyone (select, copy)
toggle("text-toggle", (on) => { $("screen-text").classList.toggle("sr-only", !on); display.fit(); });
const teaching = setupTeaching($("teaching"));
toggle("teach-toggle", (on) => { $("teaching").hidden = !on; teaching.visible(on); display.fit(); });

function toggle(id: string, f: (on: boolean) => void): void {
  const b = $(id);
  b.addEventListener("click", () => { const on = b.getAttribute("aria-pressed") !== "true"; b.setAttribute("aria-pressed", String(on)); f(on); });
}

// share and disks
$("copy-link").addEventListener("click", async () => {
  const { fragment, omitted } = encodeLinkWithNotes(config);
  const url = location.href.split("#")[0] + fragment;
  for (const o of omitted) messages.show("warning", o);
  (globalThis as unknown as { webpcLastLink?: string }).webpcLastLink = url; // embedders and tests
  try { await navigator.clipboard.writeText(url); messages.show("info", "The link to this machine is on the clipboard."); }
  catch { messages.show("info", `Copy this link: ${url}`); }
});
$("reset-disk").addEventListener("click", async () => {
  const drive = $<HTMLSelectElement>("disk-drive").value as DriveName;
  if (!vm || !drive) return;
  if (!confirm(`Forget every change the guest made to ${drive}? The machine restarts with the disk as it was.`)) return;
  try { await vm.resetDisk(drive); messages.show("info", `Disk ${drive} is back to its original image; restarting.`); boot(config); }
  catch (e) { messages.show("error", `Reset disk: ${(e as Error).message}`); }
});
$("download-disk").addEventListener("click", async () => {
  const drive = $<HTMLSelectElement>("disk-drive").value as DriveName;
  if (!vm || !drive) return;
  messages.show("info", `Preparing ${drive} for download…`);
  try { download(await vm.exportDisk(drive), `${config.profile || "disk"}-${drive}.img`); }
  catch (e) { messages.show("error", (e as Error).message); }
});

function download(blob: Blob, name: string): void {
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 60_000);
}

// ---- start ------------------------------------------------------------------------------------------------------
async function main(): Promise<void> {
  try {
    manifest = await loadManifest(new URL("images/manifest.json", document.baseURI).href);
  } catch (e) {
    messages.show("error", (e as Error).message);
    status.update({ ...IDLE_STATUS, state: "error" });
    return;
  }
  const sel = $<HTMLSelectElement>("profile");
  sel.replaceChildren(...manifest.profiles.map((p) => { const o = new Option(p.title, p.id); o.title = p.description; return o; }));
  if (!crossOriginIsolated) {
    messages.show("info", "This page is not cross-origin isolated (its server does not send the COOP/COEP headers), so the picture travels by messages instead of shared memory: a little slower.");
  }
  startFromLink();
}
void main();
