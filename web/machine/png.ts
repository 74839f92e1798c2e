// A PNG encoder for 8-bit RGBA pixels (screenshots). Browser-safe. PNG is specified in ISO/IEC 15948 / W3C PNG
// (Second Edition): signature, IHDR, IDAT with a zlib stream (RFC 1950) of filtered scanlines, IEND; every chunk
// ends with a CRC-32 over its type and data (PNG 5.5, Annex D).
//
// Compression: `zlib` is any function giving a zlib stream (RFC 1950, e.g. Node's zlib.deflateSync); without one
// the encoder writes stored (uncompressed) deflate blocks (RFC 1951 3.2.4), which every decoder reads.

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 as used by PNG (PNG Annex D; the same as zlib's crc32). */
export function crc32(bytes: Uint8Array, crc = 0): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** Adler-32 (RFC 1950 8.2). */
export function adler32(bytes: Uint8Array): number {
  let a = 1, b = 0;
  for (let i = 0; i < bytes.length; ) {
    const end = Math.min(bytes.length, i + 5552); // the largest run before the sums can overflow 2^32
    for (; i < end; i++) { a += bytes[i]; b += a; }
    a %= 65521; b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** A zlib stream of stored deflate blocks (no compression). */
export function zlibStored(data: Uint8Array): Uint8Array {
  const blocks = Math.max(1, Math.ceil(data.length / 65535));
  const out = new Uint8Array(2 + data.length + blocks * 5 + 4);
  out[0] = 0x78; out[1] = 0x01; // CM 8 (deflate), 32 KiB window, FLEVEL 0; (0x7801 % 31 == 0)
  let o = 2;
  for (let b = 0; b < blocks; b++) {
    const start = b * 65535, len = Math.min(65535, data.length - start);
    out[o++] = b === blocks - 1 ? 1 : 0; // BFINAL, BTYPE 00
    out[o++] = len & 0xff; out[o++] = len >>> 8;
    out[o++] = ~len & 0xff; out[o++] = (~len >>> 8) & 0xff;
    out.set(data.subarray(start, start + len), o);
    o += len;
  }
  const a = adler32(data);
  out[o++] = a >>> 24; out[o++] = (a >>> 16) & 0xff; out[o++] = (a >>> 8) & 0xff; out[o++] = a & 0xff;
  return out;
}

function paeth(a: number, b: number, c: number): number {
  const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
  return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/**
 * Filters the scanlines (PNG 9.2): with compression each row takes the filter (None, Sub, Up, Average, Paeth)
 * with the smallest sum of absolute differences (the heuristic PNG 12.8 suggests); without it, None.
 */
function filterRows(width: number, height: number, rgba: Uint8Array, choose: boolean): Uint8Array {
  const stride = width * 4;
  const out = new Uint8Array(height * (stride + 1));
  const trial = choose ? [new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride), new Uint8Array(stride)] : [];
  for (let y = 0; y < height; y++) {
    const row = rgba.subarray(y * stride, (y + 1) * stride);
    const base = y * (stride + 1);
    if (!choose) { out[base] = 0; out.set(row, base + 1); continue; }
    const prev = y > 0 ? rgba.subarray((y - 1) * stride, y * stride) : null;
    let best = 0, bestSum = 0;
    for (let i = 0; i < stride; i++) bestSum += row[i] < 128 ? row[i] : 256 - row[i];
    for (let f = 1; f <= 4; f++) {
      const t = trial[f - 1];
      let sum = 0;
      for (let i = 0; i < stride; i++) {
        const a = i >= 4 ? row[i - 4] : 0, b = prev ? prev[i] : 0, c = prev && i >= 4 ? prev[i - 4] : 0;
        const pred = f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : paeth(a, b, c);
        const v = (row[i] - pred) & 0xff;
        t[i] = v;
        sum += v < 128 ? v : 256 - v;
      }
      if (sum < bestSum) { best = f; bestSum = sum; }
    }
    out[base] = best;
    out.set(best === 0 ? row : trial[best - 1], base + 1);
  }
  return out;
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, data.length);
  for (let i = 0; i < 4; i++) out[4 + i] = type.charCodeAt(i);
  out.set(data, 8);
  dv.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

export interface PNGOptions {
  /** Compress: data -> zlib stream (RFC 1950). Without it the image is stored uncompressed. */
  zlib?: (data: Uint8Array) => Uint8Array;
}

/** `rgba`: width * height * 4 bytes, rows top to bottom, non-premultiplied alpha. Returns the PNG file. */
export function encodePNG(width: number, height: number, rgba: Uint8Array, opts: PNGOptions = {}): Uint8Array {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1 || width > 0x7fffffff || height > 0x7fffffff) {
    throw new RangeError(`PNG: bad size ${width}x${height}`);
  }
  if (rgba.length !== width * height * 4) throw new RangeError(`PNG: ${width}x${height} RGBA needs ${width * height * 4} bytes, got ${rgba.length}`);
  const ihdr = new Uint8Array(13);
  const dv = new DataView(ihdr.buffer);
  dv.setUint32(0, width); dv.setUint32(4, height);
  ihdr[8] = 8;  // bit depth
  ihdr[9] = 6;  // colour type: truecolour with alpha
  ihdr[10] = 0; // compression method 0 (deflate)
  ihdr[11] = 0; // filter method 0 (adaptive, five filter types)
  ihdr[12] = 0; // no interlace
  const raw = filterRows(width, height, rgba, !!opts.zlib);
  const idat = opts.zlib ? opts.zlib(raw) : zlibStored(raw);
  const parts = [new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk("IHDR", ihdr), chunk("IDAT", idat), chunk("IEND", new Uint8Array(0))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
