// Native side of the differential CPU test (test/diff/): runs generated instruction tests on the host CPU in
// 32-bit user mode and reports the final state. Built with `i686-linux-gnu-gcc -static -O1 -fno-pie -no-pie`.
//
// Protocol (little-endian, fixed-size records; layout mirrored in test/diff/protocol.ts):
//   in : u32 instr_off, u32 code_len, u8 code[32], u32 nstubs, u32 stub_off[4], u32 regs[8], u32 eflags,
//        u8 data[4096]
//   out: u32 status (0 = reached exit stub, 1 = signal), u32 exit_index or signal, u32 trapno, u32 err,
//        u32 regs[8], u32 eflags, u32 eip (faulting EIP for a signal), u8 data[4096]
// regs are in encoding order: eax ecx edx ebx esp ebp esi edi.
//
// The code page holds INT3 filler, the test's bytes at instr_off and one exit stub per stub_off
// (`mov dword [h_exit_idx], k; jmp [h_exit_ptr]`), so which stub ran tells where a branch landed. The stub
// stores the registers without touching the test's stack (which lives in the data page) and switches back to
// the harness stack before PUSHFD. Faults arrive as signals on an alternate stack, so the test's stack is not
// written either; the handler reports the registers of the signal context and siglongjmps back.
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#define DATA_ADDR 0x00400000u
#define CODE_ADDR 0x00600000u
#define PAGE 4096u
#define MAX_CODE 32u
#define MAX_STUBS 4u

struct in_rec {
  uint32_t instr_off, code_len;
  uint8_t code[MAX_CODE];
  uint32_t nstubs, stub_off[MAX_STUBS];
  uint32_t regs[8], eflags;
  uint8_t data[PAGE];
};
struct out_rec {
  uint32_t status, exit_index, trapno, err;
  uint32_t regs[8], eflags, eip;
  uint8_t data[PAGE];
};

// Shared with the assembly below (absolute addresses: the binary is static and not position-independent).
uint32_t h_in[9];            // eax ecx edx ebx esp ebp esi edi eflags
uint32_t h_out[9];
uint32_t h_harness_esp, h_entry, h_exit_idx, h_exit_ptr;
void run_test(void);
void h_common_exit(void);

__asm__(
  ".intel_syntax noprefix\n"
  ".text\n"
  ".globl run_test\n"
  "run_test:\n"
  "  push ebp\n push ebx\n push esi\n push edi\n"
  "  mov [h_harness_esp], esp\n"
  "  lea esp, [h_in + 32]\n"          // POPFD from a private slot: the test's flags
  "  popfd\n"
  "  mov eax, [h_in + 0]\n mov ecx, [h_in + 4]\n mov edx, [h_in + 8]\n mov ebx, [h_in + 12]\n"
  "  mov ebp, [h_in + 20]\n mov esi, [h_in + 24]\n mov edi, [h_in + 28]\n mov esp, [h_in + 16]\n"
  "  jmp dword ptr [h_entry]\n"      // MOV and JMP leave the flags alone
  ".globl h_common_exit\n"
  "h_common_exit:\n"
  "  mov [h_out + 0], eax\n mov [h_out + 4], ecx\n mov [h_out + 8], edx\n mov [h_out + 12], ebx\n"
  "  mov [h_out + 16], esp\n mov [h_out + 20], ebp\n mov [h_out + 24], esi\n mov [h_out + 28], edi\n"
  "  mov esp, [h_harness_esp]\n"
  "  pushfd\n"
  "  pop dword ptr [h_out + 32]\n"
  "  push 2\n popfd\n"                 // back to plain flags: DF clear for the C ABI, no NT/AC left over
  "  pop edi\n pop esi\n pop ebx\n pop ebp\n"
  "  ret\n"
  ".att_syntax prefix\n");

static sigjmp_buf jb;
static volatile uint32_t sig_no, sig_regs[8], sig_eflags, sig_eip, sig_trapno, sig_err;

static void on_signal(int sig, siginfo_t *si, void *ctx) {
  (void)si;
  ucontext_t *uc = (ucontext_t *)ctx;
  greg_t *g = uc->uc_mcontext.gregs;
  sig_no = (uint32_t)sig;
  sig_regs[0] = g[REG_EAX]; sig_regs[1] = g[REG_ECX]; sig_regs[2] = g[REG_EDX]; sig_regs[3] = g[REG_EBX];
  sig_regs[4] = g[REG_ESP]; sig_regs[5] = g[REG_EBP]; sig_regs[6] = g[REG_ESI]; sig_regs[7] = g[REG_EDI];
  sig_eflags = g[REG_EFL]; sig_eip = g[REG_EIP]; sig_trapno = g[REG_TRAPNO]; sig_err = g[REG_ERR];
  siglongjmp(jb, 1);
}

static void *map_fixed(uint32_t addr, int prot) {
  void *p = mmap((void *)(uintptr_t)addr, PAGE, prot, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
  if (p != (void *)(uintptr_t)addr) { fprintf(stderr, "harness: cannot map %#x\n", addr); exit(2); }
  return p;
}

int main(void) {
  uint8_t *data = map_fixed(DATA_ADDR, PROT_READ | PROT_WRITE);
  uint8_t *code = map_fixed(CODE_ADDR, PROT_READ | PROT_WRITE | PROT_EXEC);
  static uint8_t altstack[65536];
  stack_t ss = { .ss_sp = altstack, .ss_size = sizeof altstack, .ss_flags = 0 };
  if (sigaltstack(&ss, NULL)) { perror("sigaltstack"); return 2; }
  struct sigaction sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_sigaction = on_signal;
  sa.sa_flags = SA_SIGINFO | SA_ONSTACK | SA_NODEFER;
  int sigs[] = { SIGFPE, SIGSEGV, SIGILL, SIGTRAP, SIGBUS };
  for (unsigned i = 0; i < sizeof sigs / sizeof sigs[0]; i++) sigaction(sigs[i], &sa, NULL);
  h_exit_ptr = (uint32_t)(uintptr_t)h_common_exit;

  static struct in_rec in;
  static struct out_rec out;
  static char ibuf[1 << 20], obuf[1 << 20];
  setvbuf(stdin, ibuf, _IOFBF, sizeof ibuf);
  setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
  while (fread(&in, sizeof in, 1, stdin) == 1) {
    if (in.code_len > MAX_CODE || in.nstubs > MAX_STUBS || in.instr_off + in.code_len > PAGE) { fprintf(stderr, "harness: bad record\n"); return 2; }
    memset(code, 0xCC, PAGE);
    memcpy(code + in.instr_off, in.code, in.code_len);
    for (uint32_t k = 0; k < in.nstubs; k++) {
      uint8_t *s = code + in.stub_off[k];
      uint32_t a = (uint32_t)(uintptr_t)&h_exit_idx, p = (uint32_t)(uintptr_t)&h_exit_ptr;
      s[0] = 0xC7; s[1] = 0x05; memcpy(s + 2, &a, 4); memcpy(s + 6, &k, 4);   // mov dword [h_exit_idx], k
      s[10] = 0xFF; s[11] = 0x25; memcpy(s + 12, &p, 4);                      // jmp dword [h_exit_ptr]
    }
    memcpy(data, in.data, PAGE);
    memcpy(h_in, in.regs, 32);
    h_in[8] = in.eflags;
    h_entry = CODE_ADDR + in.instr_off;
    h_exit_idx = 0xFFFFFFFFu;
    memset(&out, 0, sizeof out);
    if (sigsetjmp(jb, 1) == 0) {
      run_test();
      out.status = 0; out.exit_index = h_exit_idx;
      memcpy(out.regs, h_out, 32); out.eflags = h_out[8]; out.eip = 0;
    } else {
      out.status = 1; out.exit_index = sig_no; out.trapno = sig_trapno; out.err = sig_err;
      for (int i = 0; i < 8; i++) out.regs[i] = sig_regs[i];
      out.eflags = sig_eflags; out.eip = sig_eip;
    }
    memcpy(out.data, data, PAGE);
    if (fwrite(&out, sizeof out, 1, stdout) != 1) return 3;
  }
  fflush(stdout);
  return 0;
}
