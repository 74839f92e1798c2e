/*
 * The cpubench workloads (issue 9): sieve, CRC32, LZ77 round trip, integer mix, REP MOVS/STOS copies,
 * recursion, a switch-dispatch bytecode interpreter and two x87 double kernels. Freestanding C: no library
 * calls (the buffers are static, string moves are inline REP MOVS/STOS), so the same file builds into the
 * Linux program and the multiboot kernel. Each kernel takes roughly 0.2-0.5 s at scale 1 on a current x86-64
 * host; the work grows linearly with the scale.
 */
#include "cpubench-kernels.h"

#define BUF_BYTES (4u << 20)
static uint8_t buf_a[BUF_BYTES] __attribute__((aligned(64)));
static uint8_t buf_b[BUF_BYTES] __attribute__((aligned(64)));

static uint32_t xorshift(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return *s = x;
}

static void fill_random(uint8_t *p, uint32_t n, uint32_t seed) {
    for (uint32_t i = 0; i < n; i += 4) {
        uint32_t x = xorshift(&seed);
        p[i] = x; p[i + 1] = x >> 8; p[i + 2] = x >> 16; p[i + 3] = x >> 24;
    }
}

/* REP MOVS/STOS as a C library's large memcpy/memset on a P6 would do them (and as the emulator sees them). */
static void copy_dwords(void *dst, const void *src, uint32_t n) {
    __asm__ volatile("cld; rep movsl" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
static void copy_bytes(void *dst, const void *src, uint32_t n) {
    __asm__ volatile("cld; rep movsb" : "+D"(dst), "+S"(src), "+c"(n) : : "memory");
}
static void fill_dwords(void *dst, uint32_t v, uint32_t n) {
    __asm__ volatile("cld; rep stosl" : "+D"(dst), "+c"(n) : "a"(v) : "memory");
}

/* x87 square root without libm (-mfpmath=387 builds only). */
static double fsqrt(double x) {
    double r;
    __asm__("fsqrt" : "=t"(r) : "0"(x));
    return r;
}

/* Sieve of Eratosthenes over 4 Mi numbers: byte stores with strides, then a counting pass. */
static uint32_t bench_sieve(unsigned scale) {
    uint8_t *composite = buf_a;
    uint32_t sum = 0;
    for (unsigned r = 0; r < 21 * scale; r++) {
        fill_dwords(composite, 0, BUF_BYTES / 4);
        uint32_t count = 0, last = 0;
        for (uint32_t i = 2; i < BUF_BYTES; i++) {
            if (composite[i]) continue;
            count++; last = i;
            if (i < BUF_BYTES / i) for (uint32_t j = i * i; j < BUF_BYTES; j += i) composite[j] = 1;
        }
        sum = sum * 31 + (count ^ last);
    }
    return sum;
}

/* CRC-32 (IEEE 802.3, reflected, table-driven) over 1 MiB of random bytes, chained. */
static uint32_t bench_crc32(unsigned scale) {
    static uint32_t table[256];
    for (uint32_t i = 0; i < 256; i++) {
        uint32_t c = i;
        for (int k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    const uint32_t n = 1u << 20;
    fill_random(buf_a, n, 7);
    uint32_t crc = 0;
    for (unsigned r = 0; r < 48 * scale; r++) {
        uint32_t c = ~crc;
        for (uint32_t i = 0; i < n; i++) c = table[(c ^ buf_a[i]) & 0xff] ^ (c >> 8);
        crc = ~c;
    }
    return crc;
}

/* LZ77 (LZSS format: a flag byte per 8 items; a match is 12 bits of distance, 4 bits of length 3..18) with
 * hash chains, then decompression and comparison: text-like input from a small vocabulary. */
enum { LZ_WINDOW = 4096, LZ_MIN = 3, LZ_MAX = 18, LZ_HASH = 4096, LZ_CHAIN = 16 };
static int32_t lz_head[LZ_HASH], lz_prev[LZ_WINDOW];

static uint32_t lz_hash(const uint8_t *p) { return ((p[0] << 8) ^ (p[1] << 4) ^ p[2]) & (LZ_HASH - 1); }

static uint32_t lz_compress(const uint8_t *in, uint32_t n, uint8_t *out) {
    for (int i = 0; i < LZ_HASH; i++) lz_head[i] = -1;
    uint32_t o = 0, flag_at = 0, items = 8;
    for (uint32_t i = 0; i < n;) {
        if (items == 8) { flag_at = o++; out[flag_at] = 0; items = 0; }
        uint32_t best = 0, best_dist = 0;
        if (i + LZ_MIN <= n) {
            uint32_t h = lz_hash(in + i);
            int32_t cand = lz_head[h];
            for (int chain = 0; cand >= 0 && i - cand < LZ_WINDOW && chain < LZ_CHAIN; chain++) {
                uint32_t len = 0, max = n - i < LZ_MAX ? n - i : LZ_MAX;
                while (len < max && in[cand + len] == in[i + len]) len++;
                if (len > best) { best = len; best_dist = i - cand; }
                cand = lz_prev[cand % LZ_WINDOW];
            }
            lz_prev[i % LZ_WINDOW] = lz_head[h];
            lz_head[h] = i;
        }
        if (best >= LZ_MIN) {
            out[flag_at] |= 1 << items;
            out[o++] = best_dist & 0xff;
            out[o++] = ((best_dist >> 8) << 4) | (best - LZ_MIN);
            for (uint32_t k = 1; k < best; k++) {  /* index the skipped positions too */
                uint32_t j = i + k;
                if (j + LZ_MIN <= n) { uint32_t h = lz_hash(in + j); lz_prev[j % LZ_WINDOW] = lz_head[h]; lz_head[h] = j; }
            }
            i += best;
        } else {
            out[o++] = in[i++];
        }
        items++;
    }
    return o;
}

static uint32_t lz_decompress(const uint8_t *in, uint32_t n, uint8_t *out) {
    uint32_t o = 0;
    for (uint32_t i = 0; i < n;) {
        uint8_t flags = in[i++];
        for (int k = 0; k < 8 && i < n; k++) {
            if (flags & (1 << k)) {
                uint32_t dist = in[i] | ((in[i + 1] >> 4) << 8), len = (in[i + 1] & 15) + LZ_MIN;
                i += 2;
                for (uint32_t j = 0; j < len; j++, o++) out[o] = out[o - dist];
            } else {
                out[o++] = in[i++];
            }
        }
    }
    return o;
}

static uint32_t bench_lz77(unsigned scale) {
    static const char *const words[16] = {
        "the ", "emulated ", "machine ", "runs ", "guest ", "code ", "in ", "a ",
        "web ", "page ", "and ", "every ", "block ", "is ", "cached ", "quickly. ",
    };
    const uint32_t n = 192u << 10;
    uint8_t *text = buf_a, *packed = buf_b, *unpacked = buf_a + (1u << 20);
    uint32_t sum = 0, seed = 99;
    for (unsigned r = 0; r < 48 * scale; r++) {
        for (uint32_t i = 0; i < n;) {
            const char *w = words[xorshift(&seed) & 15];
            while (*w && i < n) text[i++] = *w++;
        }
        uint32_t size = lz_compress(text, n, packed);
        uint32_t back = lz_decompress(packed, size, unpacked);
        uint32_t same = back == n;
        for (uint32_t i = 0; i < n && same; i++) same = text[i] == unpacked[i];
        uint32_t h = size;
        for (uint32_t i = 0; i < size; i++) h = (h << 5 | h >> 27) ^ packed[i];
        sum = sum * 31 + (h ^ (same ? 0 : 0xdeadbeef));
    }
    return sum;
}

/* Integer: multiply, divide, shifts and rotates in a dependent chain. */
static uint32_t bench_int(unsigned scale) {
    uint32_t a = 0x12345678u, b = 0x9abcdef1u, sum = 0;
    for (unsigned i = 0; i < 96000000u * scale; i++) {
        a = a * 1103515245u + 12345u;
        b ^= (a >> 7) | (a << 25);
        sum += b / ((a & 0xffff) | 1);
        sum = (sum << 3) | (sum >> 29);
        uint64_t wide = (uint64_t)a * b;
        sum ^= (uint32_t)(wide >> 32);
    }
    return sum;
}

/* Large copies and fills with REP MOVSD/STOSD (4 MiB, page-aligned) and REP MOVSB at odd offsets. */
static uint32_t bench_memcpy(unsigned scale) {
    fill_random(buf_a, BUF_BYTES, 5);
    uint32_t sum = 0;
    for (unsigned r = 0; r < 48 * scale; r++) {
        copy_dwords(buf_b, buf_a, BUF_BYTES / 4);
        fill_dwords(buf_a + (r % 8) * (BUF_BYTES / 8), r * 0x01010101u, BUF_BYTES / 32);
        copy_bytes(buf_a + 1 + r, buf_b + 3, BUF_BYTES / 2 - 64);
        for (uint32_t i = 0; i < BUF_BYTES; i += 4093) sum = sum * 31 + buf_a[i] + buf_b[i];
    }
    return sum;
}

/* Recursion: naive Fibonacci and Ackermann (deep call/return chains, stack traffic). */
static uint32_t fib(uint32_t n) { return n < 2 ? n : fib(n - 1) + fib(n - 2); }
static uint32_t ackermann(uint32_t m, uint32_t n) {
    if (m == 0) return n + 1;
    if (n == 0) return ackermann(m - 1, 1);
    return ackermann(m - 1, ackermann(m, n - 1));
}
static uint32_t bench_recursion(unsigned scale) {
    uint32_t sum = 0;
    for (unsigned r = 0; r < 32 * scale; r++) {
        sum = sum * 31 + fib(32);
        sum = sum * 31 + ackermann(2, 2000) + ackermann(3, 7);
    }
    return sum;
}

/* A stack machine with a switch in a loop (an indirect jump per bytecode): a hash over a counted loop. */
enum { OP_PUSH, OP_LOAD, OP_STORE, OP_ADD, OP_SUB, OP_MUL, OP_XOR, OP_AND, OP_SHR, OP_SHL, OP_DUP, OP_JNZ, OP_JMP, OP_HALT };
static uint32_t vm_run(const int32_t *code, uint32_t *vars) {
    uint32_t stack[64], sp = 0, pc = 0;
    for (;;) {
        int32_t op = code[pc++];
        switch (op) {
        case OP_PUSH: stack[sp++] = code[pc++]; break;
        case OP_LOAD: stack[sp++] = vars[code[pc++]]; break;
        case OP_STORE: vars[code[pc++]] = stack[--sp]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_SUB: sp--; stack[sp - 1] -= stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_XOR: sp--; stack[sp - 1] ^= stack[sp]; break;
        case OP_AND: sp--; stack[sp - 1] &= stack[sp]; break;
        case OP_SHR: sp--; stack[sp - 1] >>= stack[sp] & 31; break;
        case OP_SHL: sp--; stack[sp - 1] <<= stack[sp] & 31; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_JNZ: { int32_t to = code[pc++]; if (stack[--sp]) pc = to; break; }
        case OP_JMP: pc = code[pc]; break;
        case OP_HALT: return vars[0];
        default: return 0xbadc0de;
        }
    }
}
static uint32_t bench_interp(unsigned scale) {
    /* vars: 0 = h, 1 = i (counts down). Loop: h = (h * 33) ^ (i >> 3) ^ (h >> 13) + i & 0xffff; i -= 1 */
    const int32_t code[] = {
        /* 0 */ OP_LOAD, 0, OP_PUSH, 33, OP_MUL,
        /* 5 */ OP_LOAD, 1, OP_PUSH, 3, OP_SHR, OP_XOR,
        /* 11 */ OP_LOAD, 0, OP_PUSH, 13, OP_SHR, OP_XOR,
        /* 17 */ OP_LOAD, 1, OP_PUSH, 0xffff, OP_AND, OP_ADD, OP_STORE, 0,
        /* 25 */ OP_LOAD, 1, OP_PUSH, 1, OP_SUB, OP_DUP, OP_STORE, 1,
        /* 33 */ OP_JNZ, 0, OP_HALT,
    };
    uint32_t vars[2] = { 0x811c9dc5u, 3750000u * scale };
    return vm_run(code, vars);
}

/* x87: the Mandelbrot set (multiplies, adds, compares). */
static uint32_t bench_mandel(unsigned scale) {
    uint32_t count = 0;
    int size = 1536 * (int)scale;
    for (int py = 0; py < size; py++) {
        for (int px = 0; px < 256; px++) {
            double cr = -2.0 + 2.5 * px / 256, ci = -1.25 + 2.5 * py / size, zr = 0, zi = 0;
            int k = 0;
            while (k < 256 && zr * zr + zi * zi < 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
            count = count * 7 + k;
        }
    }
    return count;
}

/* x87: a series with divisions and square roots; the checksum is the bits of the sum. */
static uint32_t bench_series(unsigned scale) {
    double acc = 0;
    for (unsigned i = 1; i < 6000000u * scale; i++) acc += 1.0 / i + fsqrt((double)i) / (i + 1.0) - (i & 1 ? 0.5 : 0.25) / (i * 3.0 + 1);
    union { double d; uint32_t w[2]; } u = { acc };
    return u.w[0] ^ u.w[1];
}

const struct bench_kernel bench_kernels[] = {
    { "sieve", bench_sieve }, { "crc32", bench_crc32 }, { "lz77", bench_lz77 }, { "int", bench_int },
    { "memcpy", bench_memcpy }, { "recurse", bench_recursion }, { "interp", bench_interp },
    { "mandel", bench_mandel }, { "series", bench_series },
};
const unsigned bench_kernel_count = sizeof bench_kernels / sizeof bench_kernels[0];
