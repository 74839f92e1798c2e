/*
 * The cpubench workloads, shared by the Linux program (cpubench.c) and the freestanding multiboot kernel
 * (cpubench-mb.c). Each kernel does work proportional to `scale` and returns a checksum that depends only on
 * the scale: a wrong checksum is a CPU bug in the machine that ran it.
 */
#ifndef CPUBENCH_KERNELS_H
#define CPUBENCH_KERNELS_H
#include <stdint.h>

struct bench_kernel {
    const char *name;
    uint32_t (*run)(unsigned scale);
};

extern const struct bench_kernel bench_kernels[];
extern const unsigned bench_kernel_count;

#endif
