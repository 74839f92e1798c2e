/*
 * cpubench: a CPU benchmark for the emulated PC, run inside the Linux guest (and natively, in QEMU, in v86: the
 * same static i386 binary). The workloads are in cpubench-kernels.c; each is timed with CLOCK_MONOTONIC and
 * summarised by a checksum that depends only on the scale, so every machine must print the same checksums: a
 * wrong checksum is a CPU bug, a slow time is a performance problem.
 *
 * Usage: cpubench [scale [kernel...]]   (default scale 1, all kernels; the work grows linearly with scale)
 * Output, one line per kernel then the total (bench/contenders parse it):
 *   cpubench NAME  TIME ms  checksum XXXXXXXX
 *   cpubench total  TIME ms
 * Built by images/build.ts with i686-linux-gnu-gcc -static -O2 -march=pentiumpro -mfpmath=387 (no SSE:
 * the emulated CPU is P6-class).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "cpubench-kernels.h"

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static int selected(const char *name, int argc, char **argv) {
    if (argc <= 2) return 1;
    for (int i = 2; i < argc; i++) if (strcmp(argv[i], name) == 0) return 1;
    return 0;
}

int main(int argc, char **argv) {
    unsigned scale = argc > 1 ? (unsigned)atoi(argv[1]) : 1;
    if (scale < 1) scale = 1;
    printf("cpubench scale %u\n", scale);
    double total = 0;
    for (unsigned i = 0; i < bench_kernel_count; i++) {
        if (!selected(bench_kernels[i].name, argc, argv)) continue;
        double t0 = now_ms();
        uint32_t sum = bench_kernels[i].run(scale);
        double dt = now_ms() - t0;
        total += dt;
        printf("cpubench %-7s %10.1f ms  checksum %08x\n", bench_kernels[i].name, dt, sum);
        fflush(stdout);
    }
    printf("cpubench total  %10.1f ms\n", total);
    return 0;
}
