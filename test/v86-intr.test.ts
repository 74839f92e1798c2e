// Hardware interrupts in virtual-8086 mode with CR4.VME (SDM Vol. 3A 20.3.2 and 20.3.3): they are never
// redirected to the V86 task's IVT, even when the redirection bitmap's bit is clear; they go through the IDT to
// the protected-mode handler, and the real IF (not VIF, which CLI/STI change at IOPL < 3) masks them.
// The test kernels cannot raise an interrupt (the kernel runner has no interrupt source), so this test drives
// INTR through the core's interface. Expectations come from the SDM sections above.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createCore } from "../web/machine/node.ts";
import { Core, Exit, Channel } from "../web/machine/core.ts";
import { loadMultiboot, attachKernelDevices } from "../web/machine/multiboot.ts";
import { KERNEL_DIR, BUILD_DIR } from "./kernels/harness.ts";
import { haveNasm, NASM_MISSING } from "./util/nasm.ts";

const VECTOR = 0x50;

/**
 * A test kernel: CR4.VME, a TSS whose redirection bitmap redirects every INT n, V86 code entered with `eflags`
 * that prints 'r', optionally executes CLI (at IOPL 0 with VME: clears VIF only), and spins.
 */
function kernel(eflags: number, cli: boolean): Uint8Array {
  const src = `%include "lib/kernel.inc"
VTSS    equ SCRATCH
V86_SEG equ 0x0800
main:
        mov edi, VTSS                   ; TSS and redirection bitmap zero, I/O bitmap: only E9h allowed
        xor eax, eax
        mov ecx, (104 + 32) / 4
        rep stosd
        mov eax, 0xFFFFFFFF
        mov ecx, (8192 + 4) / 4
        rep stosd
        mov dword [VTSS + 4], ISTACK_TOP
        mov dword [VTSS + 8], SEL_DATA0
        mov word [VTSS + 0x66], 104 + 32
        and byte [VTSS + 136 + 0xE9 / 8], ~(1 << (0xE9 & 7))
        SET_DESC SEL_FREE, VTSS, 136 + 8192, 0x89, 0x0
        mov ax, SEL_FREE
        ltr ax
        mov word [${VECTOR} * 4], v86_redirected - blob
        mov word [${VECTOR} * 4 + 2], V86_SEG
        SET_GATE ${VECTOR}, SEL_CODE0, hw_handler, 0x8E
        mov eax, cr4
        or eax, 1                       ; CR4.VME
        mov cr4, eax
        mov esi, blob
        mov edi, V86_SEG * 16
        mov ecx, blob_end - blob
        rep movsb
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword V86_SEG
        push dword 0xFFF0
        push dword 0x20002 | ${eflags}
        push dword V86_SEG
        push dword 0
        iretd
hw_handler:                             ; prints the frame's EIP and EFLAGS
        push SEL_DATA0
        pop ds
        PUTS "idt eip="
        mov eax, [esp]
        call puthex16
        PUTS " eflags="
        mov eax, [esp + 8]
        call puthex32
        FINISH
bits 16
blob:
        mov al, 'r'
        out 0xE9, al
        ${cli ? "cli" : "nop"}
spin:   jmp spin
v86_redirected:
        mov al, 'V'
        out 0xE9, al
        hlt
blob_end:
`;
  mkdirSync(BUILD_DIR, { recursive: true });
  const asm = join(BUILD_DIR, `v86-intr-${eflags.toString(16)}-${+cli}.asm`);
  const bin = asm.replace(/\.asm$/, ".bin");
  writeFileSync(asm, src);
  execFileSync("nasm", ["-f", "bin", "-I", KERNEL_DIR + "/", "-o", bin, asm], { stdio: ["ignore", "ignore", "pipe"] });
  return new Uint8Array(readFileSync(bin));
}

/** Boot the kernel and run until the V86 code printed 'r' (it then spins). */
async function start(eflags: number, cli: boolean): Promise<Core> {
  const c = await createCore(32 << 20, "debug");
  attachKernelDevices(c);
  loadMultiboot(c, kernel(eflags, cli), { cmdline: "test" });
  for (let i = 0; i < 100; i++) {
    c.run(1000);
    const o = new TextDecoder().decode(c.drain(Channel.DEBUGCON));
    if (o.includes("r")) { assert.equal(o, "r"); return c; }
  }
  throw new Error("the V86 code did not start");
}

test("V86 with VME: a hardware interrupt goes through the IDT, not the V86 IVT, whatever VIF is", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const IF = 0x200, VIF = 0x80000;
  const c = await start(IF | VIF, true); // the V86 code's CLI clears VIF; IF stays 1
  c.exports.setIntr(VECTOR);
  assert.equal(c.run(10000), Exit.DEBUG_EXIT);
  // frame: EIP of the spin loop (offset 5), EFLAGS with VM and IF set, VIF clear, IOPL 0
  assert.equal(new TextDecoder().decode(c.drain(Channel.DEBUGCON)), "idt eip=0005 eflags=00020202done\n");
});

test("V86 with VME: IF = 0 masks a hardware interrupt even when VIF = 1", async (t) => {
  if (!haveNasm()) { t.skip(NASM_MISSING); return; }
  const VIF = 0x80000;
  const c = await start(VIF, false);
  c.exports.setIntr(VECTOR);
  assert.equal(c.run(10000), Exit.BUDGET);
  assert.equal(c.drain(Channel.DEBUGCON).length, 0, "nothing delivered");
});
