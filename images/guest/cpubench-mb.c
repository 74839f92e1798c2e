/*
 * cpubench-mb: the cpubench kernels (cpubench-kernels.c) as a freestanding Multiboot v1 kernel, without an OS
 * (no timer interrupts, scheduler or page faults in the timings). Runs under `npm run kernel`, QEMU -kernel and
 * our PC's direct kernel boot. Prints the same lines as the Linux cpubench on COM1, after a `cpubench timer`
 * line; `scale=N` on the command line scales the work. Ends by writing 0 to port F4h (QEMU's isa-debug-exit)
 * and halting with interrupts off.
 * Times come from the TSC, calibrated against PIT channel 2 (8254 mode 0, OUT2 read at port 61h bit 5). Without
 * a PIT (`npm run kernel` has none) the TSC is taken as 1 GHz, which is exact for this emulator's TSC (1 GHz of
 * its virtual clock) but measures guest time there, not host time.
 */
#include <stdint.h>
#include "cpubench-kernels.h"

#define MB_MAGIC 0x1BADB002u
#define MB_FLAGS 0x00000003u /* page-aligned modules, memory info */
__attribute__((section(".multiboot"), used, aligned(4)))
static const uint32_t multiboot_header[3] = { MB_MAGIC, MB_FLAGS, -(MB_MAGIC + MB_FLAGS) };

void cpubench_main(uint32_t magic, const uint32_t *info);

__asm__(
    ".section .bss\n.align 16\ncpubench_stack: .skip 65536\ncpubench_stack_top:\n"
    ".text\n.global start\nstart:\n"
    "  mov $cpubench_stack_top, %esp\n"
    "  push %ebx\n  push %eax\n  call cpubench_main\n"
    "1: cli\n  hlt\n  jmp 1b\n");

/* gcc may emit calls to these for copies and initialisers even in freestanding code */
void *memcpy(void *d, const void *s, uint32_t n) { uint8_t *p = d; const uint8_t *q = s; while (n--) *p++ = *q++; return d; }
void *memset(void *d, int v, uint32_t n) { uint8_t *p = d; while (n--) *p++ = v; return d; }

static void outb(uint16_t port, uint8_t v) { __asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port)); }
static uint8_t inb(uint16_t port) { uint8_t v; __asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port)); return v; }
static uint64_t rdtsc(void) { uint32_t lo, hi; __asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi)); return (uint64_t)hi << 32 | lo; }

/* COM1 (16550: wait for the transmit holding register, but never forever) */
static void putc(char c) {
    for (int spins = 0; spins < 100000 && !(inb(0x3FD) & 0x20); spins++) {}
    outb(0x3F8, c);
}
static void puts_pad(const char *s, int width) { while (*s) { putc(*s++); width--; } while (width-- > 0) putc(' '); }
static void put_dec(uint64_t v, int width, int tenths) {
    char buf[24]; int n = 0;
    do { buf[n++] = '0' + v % 10; v /= 10; if (tenths && n == 1) buf[n++] = '.'; } while (v || (tenths && n < 3));
    while (width-- > n) putc(' ');
    while (n) putc(buf[--n]);
}
static void put_hex8(uint32_t v) { for (int i = 28; i >= 0; i -= 4) putc("0123456789abcdef"[(v >> i) & 15]); }

/* TSC ticks per millisecond from 50 ms of PIT channel 2; 0 when there is no PIT. */
static uint32_t tsc_khz_from_pit(void) {
    const uint32_t count = 59659; /* 50 ms at 1.193182 MHz */
    outb(0x61, (inb(0x61) & ~0x02) | 0x01); /* gate 2 on, speaker off */
    outb(0x43, 0xB0);                       /* channel 2, low then high byte, mode 0, binary */
    outb(0x42, count & 0xff);
    outb(0x42, count >> 8);
    if (inb(0x61) & 0x20) return 0;         /* OUT2 must be low while counting */
    uint64_t t0 = rdtsc();
    for (uint32_t spins = 0; !(inb(0x61) & 0x20); spins++) if (spins > 200000000u) return 0;
    return (uint32_t)((rdtsc() - t0) * 1193182u / count / 1000u);
}

static unsigned scale_from_cmdline(uint32_t magic, const uint32_t *info) {
    if (magic != 0x2BADB002u || !(info[0] & 4) || !info[4]) return 1;
    const char *s = (const char *)info[4];
    for (; *s; s++) {
        if (s[0] == 's' && s[1] == 'c' && s[2] == 'a' && s[3] == 'l' && s[4] == 'e' && s[5] == '=') {
            unsigned v = 0;
            for (s += 6; *s >= '0' && *s <= '9'; s++) v = v * 10 + (*s - '0');
            return v ? v : 1;
        }
    }
    return 1;
}

/* `only=NAME,NAME` on the command line: run just those kernels (quick A/B comparisons of one workload) */
static int kernel_selected(uint32_t magic, const uint32_t *info, const char *name) {
    if (magic != 0x2BADB002u || !(info[0] & 4) || !info[4]) return 1;
    const char *s = (const char *)info[4];
    for (; *s; s++) {
        if (s[0] != 'o' || s[1] != 'n' || s[2] != 'l' || s[3] != 'y' || s[4] != '=') continue;
        for (s += 5; *s && *s != ' ';) {
            const char *n = name;
            while (*n && *s == *n) { s++; n++; }
            if (!*n && (*s == ',' || *s == ' ' || !*s)) return 1;
            while (*s && *s != ',' && *s != ' ') s++;
            if (*s == ',') s++;
        }
        return 0;
    }
    return 1;
}

void cpubench_main(uint32_t magic, const uint32_t *info) {
    uint32_t cr0;
    __asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
    __asm__ volatile("mov %0, %%cr0; fninit" : : "r"((cr0 & ~4u) | 2u)); /* x87 on: EM off, MP on */
    unsigned scale = scale_from_cmdline(magic, info);
    uint32_t khz = tsc_khz_from_pit();
    puts_pad("cpubench scale ", 0); put_dec(scale, 0, 0); putc('\n');
    puts_pad("cpubench timer tsc ", 0); put_dec(khz ? khz : 1000000, 0, 0);
    puts_pad(khz ? " kHz (PIT)\n" : " kHz (assumed: no PIT)\n", 0);
    if (!khz) khz = 1000000;
    uint64_t total = 0;
    for (unsigned i = 0; i < bench_kernel_count; i++) {
        if (!kernel_selected(magic, info, bench_kernels[i].name)) continue;
        uint64_t t0 = rdtsc();
        uint32_t sum = bench_kernels[i].run(scale);
        uint64_t dt = rdtsc() - t0;
        total += dt;
        puts_pad("cpubench ", 0); puts_pad(bench_kernels[i].name, 7);
        put_dec(dt * 10 / khz, 11, 1); puts_pad(" ms  checksum ", 0); put_hex8(sum); putc('\n');
    }
    puts_pad("cpubench total  ", 0); put_dec(total * 10 / khz, 10, 1); puts_pad(" ms\n", 0);
    outb(0xF4, 0);
}
