// ModRM form markers used as generic arguments by instruction handlers: a handler instantiated with RegForm
// operates on the register named by ModRM.rm, with MemForm on the memory operand. The choice is made at compile
// time (isBoolean<F>()), so each generated handler is straight-line code for one form.
export type RegForm = bool;
export type MemForm = i64;

// @ts-ignore: decorator
@inline export function isRegForm<F>(): bool { return isBoolean<F>(); }
