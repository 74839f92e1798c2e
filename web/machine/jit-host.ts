// The host's part of the JIT tier (assembly/jit/): compile the module bytes the core wrote into its memory and
// install the function in the core's function table. Nothing else: what to compile, when, and what to evict is
// decided inside the core. Browser-safe (synchronous compilation is allowed in workers and in Node).

/** "on": compile blocks that run often (the core's default threshold); "off": interpret only; "force": compile
 *  every block at its first run (tests); a number: the threshold itself (runs of a 6-instruction block: a block's
 *  heat grows by its instructions + 2 per run, assembly/jit/cache.ts). */
export type JitSetting = "on" | "off" | "force" | number;

/** Table entries reserved for compiled blocks (the core's JIT_SLOTS_MAX bounds it too). */
export const JIT_TABLE_SLOTS = 8192;

export interface JitStats {
  /** Modules compiled and installed by the host. */
  modules: number;
  /** Host time spent compiling and instantiating them (ms). */
  compileMs: number;
  /** Modules the engine refused (a core bug: the emitter wrote invalid code); the block stays interpreted. */
  failures: number;
  lastError: string | null;
}

interface JitExports {
  table: WebAssembly.Table;
  jitInit(tableBase: number, count: number): void;
  jitSetThreshold(n: number): void;
  jitStopBlock: WebAssembly.Global;
  jitFaulted: WebAssembly.Global;
  jitCodeEpoch: WebAssembly.Global;
  jitCodeBreakpoints: WebAssembly.Global;
  jitCurrentBlock: WebAssembly.Global;
  jitTestCC: (cc: number) => number;
  jitGetCF: () => number;
  jitX87Arith: (op: number, a: number, b: number, d: number) => number; // addresses of 80-bit images
  jitX87Compare: (a: number, b: number, quiet: number) => number;
}

export class JitHost {
  readonly stats: JitStats = { modules: 0, compileMs: 0, failures: 0, lastError: null };
  private imports: WebAssembly.Imports | null = null;
  private exports: JitExports | null = null;
  private now: () => number = () => (typeof performance !== "undefined" ? performance.now() : Date.now());

  constructor(private readonly memory: WebAssembly.Memory) {}

  /** The core's "host" import: called by the core with a module at [ptr, ptr+len) for table entry `index`. */
  readonly install = (ptr: number, len: number, index: number): number => {
    if (!this.imports || !this.exports) return 0;
    const t0 = this.now();
    try {
      const bytes = new Uint8Array(this.memory.buffer, ptr, len).slice();
      const module = new WebAssembly.Module(bytes);
      const instance = new WebAssembly.Instance(module, this.imports);
      this.exports.table.set(index, instance.exports.f as (...a: unknown[]) => unknown);
      this.stats.modules++;
      return 1;
    } catch (e) {
      this.stats.failures++;
      this.stats.lastError = e instanceof Error ? e.message : String(e);
      return 0;
    } finally {
      this.stats.compileMs += this.now() - t0;
    }
  };

  /** After the core's init(): make room in its table and switch the tier on as `setting` says. */
  attach(exports: Record<string, unknown>, setting: JitSetting, slots = JIT_TABLE_SLOTS): void {
    const x = exports as unknown as JitExports;
    if (!(x.table instanceof WebAssembly.Table) || typeof x.jitInit !== "function") return; // a core without the tier
    this.exports = x;
    // the handlers, by table index, for modules to import one by one (importing the table itself makes V8's
    // table.set slower with every module that imports it: 0.6 ms to 7 ms per install over a Linux boot)
    const handlers: Record<string, unknown> = {};
    for (let i = 0; i < x.table.length; i++) { const f = x.table.get(i); if (f) handlers[i] = f; }
    this.imports = {
      e: {
        m: this.memory, s: x.jitStopBlock, f: x.jitFaulted, c: x.jitCodeEpoch, b: x.jitCodeBreakpoints, k: x.jitCurrentBlock,
        cc: x.jitTestCC, cf: x.jitGetCF, xa: x.jitX87Arith, xc: x.jitX87Compare,
      },
      h: handlers as WebAssembly.ModuleImports,
    };
    const n = Math.max(1, Math.min(slots, JIT_TABLE_SLOTS));
    const base = x.table.grow(n);
    x.jitInit(base, n);
    this.set(setting);
  }

  /** Change the tier's setting (compiled blocks stay; "off" stops using them). */
  set(setting: JitSetting): void {
    if (!this.exports) return;
    const threshold = setting === "off" ? 0xFFFFFFFF : setting === "force" ? 0 : setting === "on" ? -1 : setting >>> 0;
    if (threshold !== -1) this.exports.jitSetThreshold(threshold >>> 0);
  }
}
