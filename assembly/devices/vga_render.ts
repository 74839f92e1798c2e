// The VGA's picture: the CRT controller's scan of video memory (start address, offset, max scan line, doublescan,
// line compare, byte/word/doubleword addressing, CGA row-scan address substitution), the text-mode character
// generator (font in plane 2, 8/9-dot cells, blink, cursor, underline), the graphics shift register modes (planar,
// CGA interleave, 256-colour) and the attribute controller's palette to the DAC, plus the DISPI (VBE) modes read
// from linear video memory. Also the CRTC frame timing seen by input status 1 and the text readout.
// IBM VGA Technical Reference: CRT Controller registers, Attribute Controller registers, Sequencer Clocking Mode and
// Character Map Select registers.
//
// The picture is RGBA bytes at PICTURE (row stride width * 4) in physical dots: 720 x 400 for 80 x 25 text,
// 640 x 400 for mode 13h (each pixel two dots wide, each line twice), 640 x 480 for mode 12h; DISPI modes at their
// resolution. Rendering is incremental: a scan line is redrawn only when the video memory pages it reads were
// written (vga_mem.ts marks them) or a register that changes the picture was written (REDRAW_FULL).
import {
  V_RENDER, V_DAC, V_DIRTY, V_AR_INDEX, V_PEL_MASK, V_MISC, VIDEO_MEM, VIDEO_MEM_SIZE, PICTURE, SCRATCH,
  sr, gr, cr, ar, dac8bit, R_FLAGS, REDRAW_FULL, REDRAW_FONT,
} from "./vga_state";
import {
  vbeEnabled, vbeBpp, vbeXres, vbeYres, vbeXOffset, vbeYOffset, vbeLineBytes,
} from "./vbe";
import { clockNow } from "../bus/clock";


export const MAX_WIDTH: u32 = 1920;
export const MAX_HEIGHT: u32 = 1080;

export const DISPLAY_OFF: u32 = 0;
export const DISPLAY_TEXT: u32 = 1;
export const DISPLAY_GRAPHICS: u32 = 2;

const R_WIDTH: u32 = V_RENDER + 0x00;
const R_HEIGHT: u32 = V_RENDER + 0x04;
const R_MODE: u32 = V_RENDER + 0x08;
const R_DIRTY_TOP: u32 = V_RENDER + 0x0C;
const R_DIRTY_BOTTOM: u32 = V_RENDER + 0x10;
const R_BLINK: u32 = V_RENDER + 0x18;
const R_KEY: u32 = V_RENDER + 0x1C; // mode and layout key of the last picture (geometry changes redraw all)

const DAC_RGBA: u32 = SCRATCH; // 256 x u32
const ATTR_RGBA: u32 = SCRATCH + 0x400; // 16 x u32: attribute colour index -> RGBA
const LINE: u32 = SCRATCH + 0x1000; // dots of one scan line (with one extra character for panning)
export const TEXT_BUFFER: u32 = SCRATCH + 0x10000; // the text readout (screenText)


// ---- CRTC geometry and timing -----------------------------------------------------------------------------
function verticalDisplayEnd(): u32 { const o = cr(7); return (cr(0x12) | ((o & 2) << 7) | ((o & 0x40) << 3)) + 1; }
function verticalTotal(): u32 { const o = cr(7); return (cr(6) | ((o & 1) << 8) | ((o & 0x20) << 4)) + 2; }
function verticalRetraceStart(): u32 { const o = cr(7); return cr(0x10) | ((o & 4) << 6) | ((o & 0x80) << 2); }
function lineCompare(): u32 { return cr(0x18) | ((cr(7) & 0x10) << 4) | ((cr(9) & 0x40) << 3); }
function startAddress(): u32 { return (cr(0xC) << 8) | cr(0xD); }
function textMode(): bool { return (ar(0x10) & 1) == 0; }
function dotsPerChar(): u32 { return !textMode() || (sr(1) & 1) != 0 ? 8 : 9; }
function dotClockHalf(): u32 { return (sr(1) & 8) != 0 ? 2 : 1; }

/** Frame timing: {line ns, lines per frame, display end, retrace start, retrace lines, active ns per line}. From the
 *  CRTC's totals and the dot clock (misc output bits 3-2: 25.175 or 28.322 MHz); 70 Hz text timing when the
 *  registers give nothing sensible, 60 Hz for DISPI modes. */
let tLine: u64 = 0, tLines: u32 = 0, tDisplayEnd: u32 = 0, tRetrace: u32 = 0, tRetraceLen: u32 = 0, tActive: u64 = 0;
function timing(): void {
  if (vbeEnabled()) {
    const y = vbeYres();
    tLines = y + 45; tDisplayEnd = y; tRetrace = y + 10; tRetraceLen = 2;
    tLine = <u64>16_666_667 / <u64>tLines; tActive = tLine * 4 / 5;
    return;
  }
  const clock: u64 = (load<u8>(V_MISC) & 0x0C) == 4 ? 28_322_000 : 25_175_000;
  const htotal = <u64>(cr(0) + 5), hdisp = <u64>(cr(1) + 1);
  const dots = <u64>(dotsPerChar() * dotClockHalf());
  tLine = htotal * dots * 1_000_000_000 / clock;
  tActive = hdisp * dots * 1_000_000_000 / clock;
  tLines = verticalTotal();
  tDisplayEnd = verticalDisplayEnd();
  tRetrace = verticalRetraceStart();
  tRetraceLen = ((cr(0x11) - tRetrace) & 0xF); if (tRetraceLen == 0) tRetraceLen = 16;
  const frame = tLine * <u64>tLines;
  if (frame < 8_000_000 || frame > 25_000_000 || tActive >= tLine || tRetrace >= tLines) {
    tLine = 31_778; tActive = 25_422; tLines = 449; tDisplayEnd = 400; tRetrace = 412; tRetraceLen = 2;
  }
}

function frameNs(): u64 { timing(); return tLine * <u64>tLines; }

/** Input status 1 (3BAh/3DAh): bit 3 vertical retrace, bit 0 display disabled (blanking, horizontal or vertical),
 *  from the virtual time, so a guest polling for retrace sees it come and go 60-70 times a second. */
export function inputStatus1(now: u64): u32 {
  timing();
  const t = now % (tLine * <u64>tLines);
  const line = <u32>(t / tLine), inLine = t % tLine;
  let v: u32 = 0;
  if (line - tRetrace < tRetraceLen) v |= 8;
  if (line >= tDisplayEnd || inLine >= tActive) v |= 1;
  return v;
}

// ---- colours -----------------------------------------------------------------------------------------------
function computePalettes(): void {
  const eight = dac8bit();
  for (let i: u32 = 0; i < 256; i++) {
    let r = <u32>load<u8>(V_DAC + i * 3), g = <u32>load<u8>(V_DAC + i * 3 + 1), b = <u32>load<u8>(V_DAC + i * 3 + 2);
    if (!eight) { r = (r << 2) | (r >> 4); g = (g << 2) | (g >> 4); b = (b << 2) | (b >> 4); }
    store<u32>(DAC_RGBA + (i << 2), 0xFF000000 | (b << 16) | (g << 8) | r);
  }
  // attribute controller: colour plane enable, palette register, P5-P4 from colour select when AR10 bit 7,
  // P7-P6 from colour select bits 3-2, then the PEL mask
  const ar10 = ar(0x10), ar14 = ar(0x14), planes = ar(0x12) & 0xF, mask = <u32>load<u8>(V_PEL_MASK);
  for (let i: u32 = 0; i < 16; i++) {
    const p = ar(i & planes) & 0x3F;
    let idx = (ar10 & 0x80) != 0 ? (p & 0x0F) | ((ar14 & 3) << 4) : p;
    idx |= (ar14 & 0x0C) << 4;
    store<u32>(ATTR_RGBA + (i << 2), load<u32>(DAC_RGBA + ((idx & mask) << 2)));
  }
}

// @ts-ignore: decorator
@inline function dacColour(i: u32): u32 { return load<u32>(DAC_RGBA + ((i & <u32>load<u8>(V_PEL_MASK)) << 2)); }
// @ts-ignore: decorator
@inline function attrColour(i: u32): u32 { return load<u32>(ATTR_RGBA + ((i & 0xF) << 2)); }

// ---- dirty tracking --------------------------------------------------------------------------------------------
function pagesDirty(first: u32, last: u32): bool {
  for (let p = first; p <= last; p++) {
    if ((load<u8>(V_DIRTY + (p >> 3)) & (1 << (p & 7))) != 0) return true;
  }
  return false;
}

/** Were any bytes in [off, off+len) of video memory written since the last render? */
function rangeDirty(off: u32, len: u32): bool {
  if (len == 0) return false;
  if (off >= VIDEO_MEM_SIZE || off + len > VIDEO_MEM_SIZE) return true;
  return pagesDirty(off >>> 12, (off + len - 1) >>> 12);
}

// ---- CRTC addressing -------------------------------------------------------------------------------------------
/** Plane offset the CRTC fetches for address counter `ma` on row scan `row`: doubleword mode (CR14 bit 6; the
 *  chain-4 layout of vga_mem.ts makes it the counter itself), word mode (CR17 bit 6 = 0: the counter shifted left,
 *  bit 0 from MA13 or MA15 per CR17 bit 5) or byte mode; then CR17 bits 0/1 = 0 put row scan bits 0/1 in address
 *  bits 13/14 (the CGA's interleaved scan lines). */
// @ts-ignore: decorator
@inline function fetchOffset(ma: u32, row: u32, cr14: u32, cr17: u32): u32 {
  let o: u32;
  if ((cr14 & 0x40) != 0) o = ma;
  else if ((cr17 & 0x40) == 0) o = (ma << 1) | ((cr17 & 0x20) != 0 ? (ma >> 15) & 1 : (ma >> 13) & 1);
  else o = ma;
  if ((cr17 & 1) == 0) o = (o & ~0x2000) | ((row & 1) << 13);
  if ((cr17 & 2) == 0) o = (o & ~0x4000) | ((row & 2) << 13);
  return o & 0xFFFF;
}

// ---- the render ------------------------------------------------------------------------------------------------
let dirtyTop: i32 = -1, dirtyBottom: i32 = -1; // lines redrawn in this call (working values)

function lineDone(y: u32): void {
  if (dirtyTop < 0) dirtyTop = <i32>y;
  dirtyBottom = <i32>y;
}

/** Bring the picture up to date at the current virtual time; nonzero if any line changed. */
export function displayRender(): u32 {
  const now = clockNow();
  let flags = load<u32>(R_FLAGS);
  let mode: u32, w: u32, h: u32;
  const vbe = vbeEnabled();
  if (vbe) { mode = DISPLAY_GRAPHICS; w = vbeXres(); h = vbeYres(); }
  else {
    mode = textMode() ? DISPLAY_TEXT : DISPLAY_GRAPHICS;
    w = (cr(1) + 1) * dotsPerChar() * dotClockHalf();
    h = verticalDisplayEnd();
    // screen off (SR1 bit 5) or the palette given to the CPU (AR index bit 5 = 0): the screen is blank
    if ((sr(1) & 0x20) != 0 || (load<u8>(V_AR_INDEX) & 0x20) == 0) mode = DISPLAY_OFF;
  }
  if (w > MAX_WIDTH) w = MAX_WIDTH;
  if (h > MAX_HEIGHT) h = MAX_HEIGHT;
  const key = (vbe ? 0x80000000 : 0) | (mode << 28) | (vbe ? vbeBpp() : (gr(5) & 0x60) | (ar(0x10) & 0x40));
  if (w != load<u32>(R_WIDTH) || h != load<u32>(R_HEIGHT) || key != load<u32>(R_KEY)) flags |= REDRAW_FULL;
  store<u32>(R_WIDTH, w); store<u32>(R_HEIGHT, h); store<u32>(R_MODE, mode); store<u32>(R_KEY, key);
  dirtyTop = -1; dirtyBottom = -1;
  computePalettes();
  if (mode == DISPLAY_OFF) {
    if ((flags & REDRAW_FULL) != 0 && w * h != 0) { memory.fill(PICTURE, 0, w * h * 4); dirtyTop = 0; dirtyBottom = <i32>h - 1; }
  } else if (vbe) renderVbe(w, h, (flags & REDRAW_FULL) != 0);
  else {
    const frame = now / frameNs();
    // IBM: the cursor blinks every 16 frames, blinking characters every 32 (on for half the period)
    const blink = <u32>((frame >> 3) & 1) | (<u32>((frame >> 4) & 1) << 1);
    if (mode == DISPLAY_TEXT && (flags & REDRAW_FONT) != 0) flags |= REDRAW_FULL;
    // a blink phase change redraws only the character rows it shows on: the cursor's, and those holding
    // blinking characters (an idle text console then costs a few lines a second, not the whole screen)
    const blinkChanged = mode == DISPLAY_TEXT ? blink ^ load<u32>(R_BLINK) : 0;
    store<u32>(R_BLINK, blink);
    renderVga(w, h, mode == DISPLAY_TEXT, (flags & REDRAW_FULL) != 0, (blink & 1) == 0, (blink & 2) == 0, blinkChanged);
  }
  memory.fill(V_DIRTY, 0, 512);
  store<u32>(R_FLAGS, 0);
  store<i32>(R_DIRTY_TOP, dirtyTop);
  store<i32>(R_DIRTY_BOTTOM, dirtyBottom);
  return dirtyTop >= 0 ? 1 : 0;
}

export function displayWidth(): u32 { return load<u32>(R_WIDTH); }
export function displayHeight(): u32 { return load<u32>(R_HEIGHT); }
export function displayMode(): u32 { return load<u32>(R_MODE); }
export function displayDirtyTop(): i32 { return load<i32>(R_DIRTY_TOP); }
export function displayDirtyBottom(): i32 { return load<i32>(R_DIRTY_BOTTOM); }

function renderVga(w: u32, h: u32, text: bool, full: bool, cursorOn: bool, blinkOn: bool, blinkChanged: u32): void {
  const cols = cr(1) + 1;
  const dots = dotsPerChar(), half = dotClockHalf();
  const cr9 = cr(9), cr14 = cr(0x14), cr17 = cr(0x17), ar10 = ar(0x10), gr5 = gr(5);
  const msl = cr9 & 0x1F, doubleScan = (cr9 & 0x80) != 0;
  const stride = cr(0x13) << 1;
  const countShift: u32 = (cr14 & 0x20) != 0 ? 2 : (cr17 & 8) != 0 ? 1 : 0;
  const lc = lineCompare();
  // horizontal PEL panning (AR13): 9-dot text counts 8, 0, 1 ... 7 as 0-8 dots
  let pan = ar(0x13) & 0xF;
  if (text && dots == 9) pan = pan >= 8 ? 0 : pan + 1;
  else pan &= 7;
  let ma = (startAddress() + ((cr(8) >> 5) & 3)) & 0xFFFF;
  let row = cr(8) & 0x1F;
  let split = false;
  for (let y: u32 = 0; y < h; y++) {
    if (y == lc) { ma = 0; row = 0; split = true; }
    const linePan = split && (ar10 & 0x20) != 0 ? 0 : pan;
    // the plane offsets this line reads (text also reads the font: REDRAW_FONT covers that)
    const o0 = fetchOffset(ma, row, cr14, cr17), o1 = fetchOffset(ma + (cols >> countShift), row, cr14, cr17);
    const dirty = full || (o1 >= o0 ? rangeDirty(o0 << 2, ((o1 - o0) << 2) + 4) : true)
      || (blinkChanged != 0 && blinkRow(ma, row, cols, countShift, cr14, cr17, ar10, blinkChanged));
    if (dirty) {
      if (text) textLine(ma, row, cols, dots, countShift, cr14, cr17, ar10, cursorOn, blinkOn);
      else graphicsLine(ma, row, cols, countShift, cr14, cr17, ar10, gr5);
      const out = PICTURE + y * w * 4;
      const src = LINE + (linePan << 2);
      if (half == 1) memory.copy(out, src, w << 2);
      else for (let x: u32 = 0; x < w; x++) store<u32>(out + (x << 2), load<u32>(src + ((x >> 1) << 2)));
      lineDone(y);
    }
    if (!doubleScan || (y & 1) != 0) {
      if (row >= msl) { row = 0; ma = (ma + stride) & 0xFFFF; } else row++;
    }
  }
}

/** IBM Character Map Select (SR3): map A (attribute bit 3 = 1) from bits 5, 3-2; map B from bits 4, 1-0; maps
 *  0-3 start at plane 2 offsets 0, 16K, 32K, 48K and maps 4-7 at 8K, 24K, 40K, 56K. */
// @ts-ignore: decorator
@inline function fontBase(map: u32): u32 { return ((map & 3) << 14) | ((map & 4) << 11); }

/** Does the character row starting at `ma` show what a blink phase change alters: the cursor (bit 0 of
 *  `changed`), or a blinking character in blink mode (bit 1)? */
function blinkRow(ma: u32, row: u32, cols: u32, countShift: u32, cr14: u32, cr17: u32, ar10: u32, changed: u32): bool {
  const span = cols >> countShift;
  if ((changed & 1) != 0 && ((((cr(0xE) << 8) | cr(0xF)) - ma) & 0xFFFF) <= span) return true;
  if ((changed & 2) == 0 || (ar10 & 8) == 0) return false;
  for (let c: u32 = 0; c <= span; c++) {
    const p = load<u32>(VIDEO_MEM + (fetchOffset((ma + c) & 0xFFFF, row, cr14, cr17) << 2));
    if ((p & 0x8000) != 0) return true;
  }
  return false;
}

function textLine(ma: u32, row: u32, cols: u32, dots: u32, countShift: u32, cr14: u32, cr17: u32, ar10: u32,
  cursorOn: bool, blinkOn: bool): void {
  const sr3 = sr(3);
  const mapA = fontBase(((sr3 >> 3) & 4) | ((sr3 >> 2) & 3)), mapB = fontBase(((sr3 >> 2) & 4) | (sr3 & 3));
  const cs = cr(0xA) & 0x1F, ce = cr(0xB) & 0x1F;
  const cursorRow = cursorOn && (cr(0xA) & 0x20) == 0 && row >= cs && row <= ce;
  const cursorAt = (cr(0xE) << 8) | cr(0xF);
  const underline = (cr14 & 0x1F) == row;
  const lineGraphics = (ar10 & 4) != 0, blinkMode = (ar10 & 8) != 0;
  let out = LINE;
  for (let c: u32 = 0; c <= cols; c++) {
    const addr = (ma + (c >> countShift)) & 0xFFFF;
    const p = load<u32>(VIDEO_MEM + (fetchOffset(addr, row, cr14, cr17) << 2));
    const ch = p & 0xFF, at = (p >> 8) & 0xFF;
    let glyph = <u32>load<u8>(VIDEO_MEM + (((((at & 8) != 0 ? mapA : mapB) + (ch << 5) + row) & 0xFFFF) << 2) + 2);
    let fg = at & 0xF, bg = at >> 4;
    if (blinkMode) { bg &= 7; if ((at & 0x80) != 0 && !blinkOn) glyph = 0; }
    // IBM Underline Location: attribute foreground 1 with background 0 underlines at that row scan
    let ninth = dots == 9 && lineGraphics && (ch & 0xE0) == 0xC0 ? glyph & 1 : 0;
    if ((underline && (at & 0x77) == 1) || (cursorRow && addr == cursorAt)) { glyph = 0xFF; ninth = 1; }
    const f = attrColour(fg), b = attrColour(bg);
    for (let i: u32 = 0; i < 8; i++) store<u32>(out + (i << 2), ((glyph << i) & 0x80) != 0 ? f : b);
    out += 32;
    if (dots == 9) { store<u32>(out, ninth != 0 ? f : b); out += 4; }
  }
}

function graphicsLine(ma: u32, row: u32, cols: u32, countShift: u32, cr14: u32, cr17: u32, ar10: u32, gr5: u32): void {
  let out = LINE;
  const colour256 = (ar10 & 0x40) != 0;
  for (let c: u32 = 0; c <= cols; c++) {
    const p = load<u32>(VIDEO_MEM + (fetchOffset((ma + (c >> countShift)) & 0xFFFF, row, cr14, cr17) << 2));
    if (colour256) { // four bytes per character clock, each pixel two dots wide
      for (let i: u32 = 0; i < 4; i++) {
        const rgba = dacColour((p >> (i << 3)) & 0xFF);
        store<u32>(out, rgba); store<u32>(out + 4, rgba); out += 8;
      }
    } else if ((gr5 & 0x20) != 0) { // CGA interleave: 2-bit pixels, planes 0/2 then planes 1/3
      for (let i: u32 = 0; i < 8; i++) {
        const sh = (i < 4 ? 0 : 8) + 6 - ((i & 3) << 1);
        const idx = ((p >> sh) & 3) | (((p >> (sh + 16)) & 3) << 2);
        store<u32>(out, attrColour(idx)); out += 4;
      }
    } else { // planar: bit 7-i of each plane
      for (let i: u32 = 0; i < 8; i++) {
        const s = 7 - i;
        const idx = ((p >> s) & 1) | ((p >> (s + 7)) & 2) | ((p >> (s + 14)) & 4) | ((p >> (s + 21)) & 8);
        store<u32>(out, attrColour(idx)); out += 4;
      }
    }
  }
}

function renderVbe(w: u32, h: u32, full: bool): void {
  const bpp = vbeBpp(), line = vbeLineBytes();
  const bytes: u32 = bpp == 15 ? 2 : (bpp + 7) >> 3;
  const planar = bpp == 4;
  const xoff = vbeXOffset(), yoff = vbeYOffset();
  const base = planar ? yoff * line + (xoff >> 3) : yoff * line + xoff * bytes;
  const span = planar ? (w + (xoff & 7) + 7) >> 3 : w * bytes; // bytes a line reads (per plane for 4 bpp)
  for (let y: u32 = 0; y < h; y++) {
    const src = base + y * line;
    const off = planar ? src << 2 : src, len = planar ? span << 2 : span;
    if (!full && !rangeDirty(off, len)) continue;
    const out = PICTURE + y * w * 4;
    if (<u64>off + <u64>len > <u64>VIDEO_MEM_SIZE) { memory.fill(out, 0, w << 2); lineDone(y); continue; }
    const s = VIDEO_MEM + off;
    switch (bpp) {
      case 4: {
        for (let x: u32 = 0; x < w; x++) {
          const px = x + (xoff & 7);
          const p = load<u32>(s + ((px >> 3) << 2)), b = 7 - (px & 7);
          const idx = ((p >> b) & 1) | ((p >> (b + 7)) & 2) | ((p >> (b + 14)) & 4) | ((p >> (b + 21)) & 8);
          store<u32>(out + (x << 2), attrColour(idx));
        }
        break;
      }
      case 8: for (let x: u32 = 0; x < w; x++) store<u32>(out + (x << 2), dacColour(load<u8>(s + x))); break;
      case 15: case 16: {
        for (let x: u32 = 0; x < w; x++) {
          const v = <u32>load<u16>(s + (x << 1));
          let r: u32, g: u32, b: u32;
          if (bpp == 15) { r = (v >> 10) & 31; g = (v >> 5) & 31; g = (g << 3) | (g >> 2); }
          else { r = v >> 11; g = (v >> 5) & 63; g = (g << 2) | (g >> 4); }
          b = v & 31;
          store<u32>(out + (x << 2), 0xFF000000 | (((b << 3) | (b >> 2)) << 16) | (g << 8) | ((r << 3) | (r >> 2)));
        }
        break;
      }
      case 24: {
        for (let x: u32 = 0; x < w; x++) {
          const q = s + x * 3;
          store<u32>(out + (x << 2), 0xFF000000 | (<u32>load<u8>(q) << 16) | (<u32>load<u8>(q + 1) << 8) | load<u8>(q + 2));
        }
        break;
      }
      default: { // 32: B, G, R, unused
        for (let x: u32 = 0; x < w; x++) {
          const v = load<u32>(s + (x << 2));
          store<u32>(out + (x << 2), 0xFF000000 | ((v & 0xFF) << 16) | (v & 0xFF00) | ((v >> 16) & 0xFF));
        }
        break;
      }
    }
    lineDone(y);
  }
}

// ---- text readout ----------------------------------------------------------------------------------------------
/** The visible text screen as CP437 bytes, row after row, at TEXT_BUFFER (from the CRTC start address, offset and
 *  character height; the split screen below line compare is not followed). Returns rows << 16 | columns, or 0 when
 *  the display is not in a text mode. */
export function screenText(): u32 {
  if (vbeEnabled() || !textMode()) return 0;
  const cols = cr(1) + 1, cr9 = cr(9), cr14 = cr(0x14), cr17 = cr(0x17);
  const charHeight = ((cr9 & 0x1F) + 1) << ((cr9 & 0x80) != 0 ? 1 : 0);
  const rows = verticalDisplayEnd() / charHeight;
  const stride = cr(0x13) << 1;
  const start = startAddress();
  let out = TEXT_BUFFER;
  for (let r: u32 = 0; r < rows; r++) {
    for (let c: u32 = 0; c < cols; c++) {
      const o = fetchOffset((start + r * stride + c) & 0xFFFF, 0, cr14, cr17);
      store<u8>(out++, load<u8>(VIDEO_MEM + (o << 2)));
    }
  }
  return (rows << 16) | cols;
}
