import { type ByteReader, WasmDecodeError } from "./bytes.ts";

/** What the instrumenter cares about in one decoded instruction. */
export type InstructionKind =
  | { kind: "loop" }
  | { kind: "memory.grow"; memory: number }
  | { kind: "tail-call" }
  | { kind: "end" }
  | { kind: "other" };

const LOOP = { kind: "loop" } as const;
const TAIL = { kind: "tail-call" } as const;
const END = { kind: "end" } as const;
const OTHER = { kind: "other" } as const;

/** Skips a block type: empty, a value type, or a type index (s33). */
export function skipBlockType(r: ByteReader): void {
  const b = r.bytes[r.pos];
  if (b === 0x63 || b === 0x64) {
    r.pos++;
    r.skipLeb();
  } else if ((b & 0xc0) === 0x40) {
    r.pos++;
  } else {
    r.skipLeb();
  }
}

/** Skips a value type (numeric, vector, or reference type with heap type). */
export function skipValType(r: ByteReader): void {
  const b = r.byte();
  if (b === 0x63 || b === 0x64) r.skipLeb();
}

/** Skips a memory argument: alignment (with optional memory index) and offset. */
function skipMemarg(r: ByteReader): void {
  const align = r.u32();
  if (align & 0x40) r.u32();
  r.skipLeb();
}

/**
 * Decodes one instruction of a function body or constant expression, advancing the
 * reader past its immediates. Knows the MVP, sign-extension, saturating truncation, bulk
 * memory, reference types, multi-memory, tail calls, exception handling (legacy and
 * new), typed function references, GC, SIMD (with relaxed SIMD) and threads.
 *
 * @throws {WasmDecodeError} for an opcode it does not know: the module cannot be metered.
 */
export function readInstruction(r: ByteReader): InstructionKind {
  const at = r.pos;
  const op = r.byte();
  switch (op) {
    case 0x0b:
      return END;
    case 0x03:
      skipBlockType(r);
      return LOOP;
    case 0x02:
    case 0x04:
    case 0x06: // try (legacy)
      skipBlockType(r);
      return OTHER;
    case 0x00:
    case 0x01:
    case 0x05:
    case 0x0a: // throw_ref
    case 0x0f:
    case 0x19: // catch_all
    case 0x1a:
    case 0x1b:
    case 0xd1:
    case 0xd3:
    case 0xd4:
      return OTHER;
    case 0x07: // catch
    case 0x08: // throw
    case 0x09: // rethrow
    case 0x0c:
    case 0x0d:
    case 0x10:
    case 0x14: // call_ref
    case 0x18: // delegate
    case 0x20:
    case 0x21:
    case 0x22:
    case 0x23:
    case 0x24:
    case 0x25:
    case 0x26:
    case 0xd2:
    case 0xd5:
    case 0xd6:
      r.u32();
      return OTHER;
    case 0x12: // return_call
    case 0x15: // return_call_ref
      r.u32();
      return TAIL;
    case 0x0e: {
      const n = r.u32();
      for (let i = 0; i <= n; i++) r.u32();
      return OTHER;
    }
    case 0x11:
      r.u32();
      r.u32();
      return OTHER;
    case 0x13:
      r.u32();
      r.u32();
      return TAIL;
    case 0x1c: {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
      return OTHER;
    }
    case 0x1f: { // try_table
      skipBlockType(r);
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const k = r.byte();
        if (k === 0 || k === 1) r.u32();
        r.u32();
      }
      return OTHER;
    }
    case 0x3f:
      r.u32();
      return OTHER;
    case 0x40:
      return { kind: "memory.grow", memory: r.u32() };
    case 0x41:
    case 0x42:
      r.skipLeb();
      return OTHER;
    case 0x43:
      r.skip(4);
      return OTHER;
    case 0x44:
      r.skip(8);
      return OTHER;
    case 0xd0:
      r.skipLeb();
      return OTHER;
    case 0xfb:
      skipGc(r, at);
      return OTHER;
    case 0xfc:
      skipMisc(r, at);
      return OTHER;
    case 0xfd:
      skipSimd(r);
      return OTHER;
    case 0xfe:
      skipAtomic(r, at);
      return OTHER;
  }
  if (op >= 0x28 && op <= 0x3e) {
    skipMemarg(r);
    return OTHER;
  }
  if (op >= 0x45 && op <= 0xc4) return OTHER;
  throw new WasmDecodeError(`unknown opcode 0x${op.toString(16)}`, at);
}

function skipGc(r: ByteReader, at: number): void {
  const sub = r.u32();
  switch (sub) {
    case 0:
    case 1:
    case 6:
    case 7:
    case 11:
    case 12:
    case 13:
    case 14:
    case 16:
      r.u32();
      return;
    case 2:
    case 3:
    case 4:
    case 5:
    case 8:
    case 9:
    case 10:
    case 17:
    case 18:
    case 19:
      r.u32();
      r.u32();
      return;
    case 15:
    case 26:
    case 27:
    case 28:
    case 29:
    case 30:
      return;
    case 20:
    case 21:
    case 22:
    case 23:
      r.skipLeb();
      return;
    case 24:
    case 25:
      r.byte();
      r.u32();
      r.skipLeb();
      r.skipLeb();
      return;
  }
  throw new WasmDecodeError(`unknown GC opcode 0xfb ${sub}`, at);
}

function skipMisc(r: ByteReader, at: number): void {
  const sub = r.u32();
  if (sub <= 7) return;
  switch (sub) {
    case 8:
    case 10:
    case 12:
    case 14:
      r.u32();
      r.u32();
      return;
    case 9:
    case 11:
    case 13:
    case 15:
    case 16:
    case 17:
      r.u32();
      return;
  }
  throw new WasmDecodeError(`unknown opcode 0xfc ${sub}`, at);
}

function skipSimd(r: ByteReader): void {
  const sub = r.u32();
  if (sub <= 11 || sub === 92 || sub === 93) {
    skipMemarg(r);
  } else if (sub === 12 || sub === 13) {
    r.skip(16);
  } else if (sub >= 21 && sub <= 34) {
    r.byte();
  } else if (sub >= 84 && sub <= 91) {
    skipMemarg(r);
    r.byte();
  }
}

function skipAtomic(r: ByteReader, at: number): void {
  const sub = r.u32();
  if (sub === 3) {
    r.byte();
  } else if (sub <= 2 || (sub >= 0x10 && sub <= 0x4e)) {
    skipMemarg(r);
  } else {
    throw new WasmDecodeError(`unknown atomic opcode 0xfe ${sub}`, at);
  }
}

/** Skips a constant expression up to and including its `end`. */
export function skipConstExpr(r: ByteReader): void {
  for (;;) {
    if (readInstruction(r).kind === "end") return;
  }
}
