/*
 * cpubench: a small CPU benchmark for the emulated PC, run inside the Linux guest.
 * Four kernels (integer arithmetic, memory traffic, unpredictable branches, x87 floating point), each
 * timed with CLOCK_MONOTONIC and summarised by a checksum. The checksums depend only on the scale, so a
 * run in our emulator and a run in QEMU or on real hardware must print the same ones: a wrong checksum is
 * a CPU bug, a slow time is a performance problem.
 *
 * Usage: cpubench [scale]   (default 1; the work grows linearly with scale)
 * Built by images/build.ts with i686-linux-gnu-gcc -static -O2 -march=pentiumpro -mfpmath=387 (no SSE:
 * the emulated CPU is P6-class).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static uint32_t xorshift(uint32_t *s) {
    uint32_t x = *s;
    x ^= x << 13; x ^= x >> 17; x ^= x << 5;
    return *s = x;
}

/* Integer: multiply, divide, shifts and rotates in a dependent chain. */
static uint32_t bench_int(unsigned scale) {
    uint32_t a = 0x12345678u, b = 0x9abcdef1u, sum = 0;
    for (unsigned i = 0; i < 2000000u * scale; i++) {
        a = a * 1103515245u + 12345u;
        b ^= (a >> 7) | (a << 25);
        sum += b / ((a & 0xffff) | 1);
        sum = (sum << 3) | (sum >> 29);
        uint64_t wide = (uint64_t)a * b;
        sum ^= (uint32_t)(wide >> 32);
    }
    return sum;
}

/* Memory: sequential copy, strided read-modify-write and a pointer chase over 4 MiB. */
static uint32_t bench_mem(unsigned scale) {
    enum { N = 1u << 20 }; /* 1 Mi words = 4 MiB */
    uint32_t *a = malloc(N * 4), *b = malloc(N * 4);
    if (!a || !b) { puts("cpubench: out of memory"); exit(1); }
    uint32_t s = 1, sum = 0;
    for (uint32_t i = 0; i < N; i++) a[i] = xorshift(&s);
    for (unsigned r = 0; r < 4 * scale; r++) {
        memcpy(b, a, N * 4);
        for (uint32_t i = 0; i < N; i += 16) b[i] += r;
        for (uint32_t i = 0; i < N; i++) sum += b[i] ^ i;
    }
    /* pointer chase: a random cyclic permutation (Sattolo's algorithm) */
    for (uint32_t i = 0; i < N; i++) a[i] = i;
    for (uint32_t i = N - 1; i > 0; i--) { uint32_t j = xorshift(&s) % i, t = a[i]; a[i] = a[j]; a[j] = t; }
    uint32_t p = 0;
    for (unsigned i = 0; i < 500000u * scale; i++) { p = a[p]; sum += p; }
    free(a); free(b);
    return sum;
}

/* Branches: data-dependent branches a predictor cannot learn, plus a small insertion sort. */
static uint32_t bench_branch(unsigned scale) {
    uint32_t s = 42, sum = 0;
    for (unsigned i = 0; i < 3000000u * scale; i++) {
        uint32_t x = xorshift(&s);
        if (x & 1) sum += x; else sum -= x >> 1;
        if ((x & 0x30) == 0x10) sum ^= 0x5a5a5a5a;
        else if (x & 0x40) sum = (sum << 1) | (sum >> 31);
        switch ((x >> 8) & 7) {
        case 0: sum += 1; break;
        case 3: sum *= 3; break;
        case 5: sum ^= x; break;
        default: break;
        }
    }
    uint32_t v[256];
    for (unsigned r = 0; r < 40 * scale; r++) {
        for (int i = 0; i < 256; i++) v[i] = xorshift(&s) & 0xffff;
        for (int i = 1; i < 256; i++) {
            uint32_t k = v[i]; int j = i - 1;
            while (j >= 0 && v[j] > k) { v[j + 1] = v[j]; j--; }
            v[j + 1] = k;
        }
        sum += v[0] + v[128] * 3 + v[255] * 7;
    }
    return sum;
}

/* x87: a Mandelbrot set, a series with divisions and square roots; checksum of the result bits. */
static uint32_t bench_fpu(unsigned scale) {
    uint32_t count = 0;
    int size = 96 * (int)scale;
    for (int py = 0; py < size; py++) {
        for (int px = 0; px < 96; px++) {
            double cr = -2.0 + 2.5 * px / 96, ci = -1.25 + 2.5 * py / size, zr = 0, zi = 0;
            int k = 0;
            while (k < 200 && zr * zr + zi * zi < 4.0) { double t = zr * zr - zi * zi + cr; zi = 2 * zr * zi + ci; zr = t; k++; }
            count += k;
        }
    }
    volatile double acc = 0;
    for (unsigned i = 1; i < 200000u * scale; i++) acc += 1.0 / i + __builtin_sqrt((double)i) / (i + 1.0);
    union { double d; uint32_t w[2]; } u = { acc };
    return count ^ u.w[0] ^ u.w[1];
}

int main(int argc, char **argv) {
    unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
    if (scale < 1) scale = 1;
    struct { const char *name; uint32_t (*fn)(unsigned); } kernels[] = {
        { "int", bench_int }, { "mem", bench_mem }, { "branch", bench_branch }, { "fpu", bench_fpu },
    };
    printf("cpubench scale %u\n", scale);
    double total = 0;
    for (unsigned i = 0; i < sizeof kernels / sizeof kernels[0]; i++) {
        double t0 = now_ms();
        uint32_t sum = kernels[i].fn(scale);
        double dt = now_ms() - t0;
        total += dt;
        printf("cpubench %-6s %10.1f ms  checksum %08x\n", kernels[i].name, dt, sum);
        fflush(stdout);
    }
    printf("cpubench total  %10.1f ms\n", total);
    return 0;
}
