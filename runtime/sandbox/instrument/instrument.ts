import { ByteReader, ByteWriter, u32Bytes, WasmDecodeError } from "./bytes.ts";
import { readInstruction, skipConstExpr, skipValType } from "./instructions.ts";

/** Export name of the injected fuel counter (a mutable i32 global). */
export const FUEL_EXPORT = "fipa:fuel";
/** Export name of the injected hook table: slot 0 refills fuel, slot 1 grows memory. */
export const HOOKS_EXPORT = "fipa:hooks";
/** Prefix of the exports of every defined memory, followed by its memory index. */
export const MEMORY_EXPORT_PREFIX = "fipa:memory:";
/** Prefix of the exports of every defined mutable global, followed by its global index. */
export const GLOBAL_EXPORT_PREFIX = "fipa:global:";
/** Version of the instrumentation, part of the component cache key. */
export const INSTRUMENT_VERSION = 1;

/** What {@link instrumentCoreModule} did to a module. */
export interface InstrumentReport {
  /** Loop headers that got a fuel check. */
  loops: number;
  /** Function entries that got a fuel check (functions with tail calls). */
  entries: number;
  /** `memory.grow` instructions routed through the grow hook. */
  grows: number;
  /** Memory indices of the defined memories, each exported as `fipa:memory:<index>`. */
  memories: number[];
  /** Global indices of the defined mutable globals, each exported as `fipa:global:<index>`. */
  globals: number[];
}

interface Section {
  id: number;
  body: Uint8Array;
}

/** Canonical position of each known section id in a module. */
const SECTION_RANK: Record<number, number> = {
  1: 1,
  2: 2,
  3: 3,
  4: 4,
  5: 5,
  13: 6,
  6: 7,
  7: 8,
  8: 9,
  9: 10,
  12: 11,
  10: 12,
  11: 13,
};

function readSections(bytes: Uint8Array): Section[] {
  if (
    bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d || bytes[4] !== 1 || bytes[5] !== 0 || bytes[6] !== 0 || bytes[7] !== 0
  ) {
    throw new WasmDecodeError("not a core WebAssembly module", 0);
  }
  const r = new ByteReader(bytes, 8);
  const out: Section[] = [];
  while (!r.done) {
    const id = r.byte();
    const size = r.u32();
    const start = r.pos;
    r.skip(size);
    out.push({ id, body: bytes.subarray(start, start + size) });
  }
  return out;
}

function limitsIs64(r: ByteReader): boolean {
  const flags = r.byte();
  r.skipLeb();
  if (flags & 1) r.skipLeb();
  if (flags & 8) r.u32();
  return (flags & 4) !== 0;
}

function skipTableType(r: ByteReader): void {
  skipValType(r);
  limitsIs64(r);
}

/** Counts the types a type section defines (a recursion group defines several). */
function countTypes(body: Uint8Array): number {
  const r = new ByteReader(body);
  const n = r.u32();
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (body[r.pos] === 0x4e) {
      r.pos++;
      const m = r.u32();
      for (let j = 0; j < m; j++) skipSubType(r);
      count += m;
    } else {
      skipSubType(r);
      count++;
    }
  }
  return count;
}

function skipSubType(r: ByteReader): void {
  const b = r.bytes[r.pos];
  if (b === 0x50 || b === 0x4f) {
    r.pos++;
    const n = r.u32();
    for (let i = 0; i < n; i++) r.u32();
  }
  const form = r.byte();
  if (form === 0x60) {
    for (let k = 0; k < 2; k++) {
      const n = r.u32();
      for (let i = 0; i < n; i++) skipValType(r);
    }
  } else if (form === 0x5f) {
    const n = r.u32();
    for (let i = 0; i < n; i++) {
      skipValType(r);
      r.byte();
    }
  } else if (form === 0x5e) {
    skipValType(r);
    r.byte();
  } else {
    throw new WasmDecodeError(`unknown type form 0x${form.toString(16)}`, r.pos - 1);
  }
}

interface Counts {
  funcs: number;
  tables: number;
  memories: number;
  globals: number;
}

function countImports(body: Uint8Array | undefined): Counts {
  const c: Counts = { funcs: 0, tables: 0, memories: 0, globals: 0 };
  if (!body) return c;
  const r = new ByteReader(body);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    r.name();
    r.name();
    const kind = r.byte();
    if (kind === 0) {
      r.u32();
      c.funcs++;
    } else if (kind === 1) {
      skipTableType(r);
      c.tables++;
    } else if (kind === 2) {
      limitsIs64(r);
      c.memories++;
    } else if (kind === 3) {
      skipValType(r);
      r.byte();
      c.globals++;
    } else if (kind === 4) {
      r.byte();
      r.u32();
    } else {
      throw new WasmDecodeError(`unknown import kind ${kind}`, r.pos - 1);
    }
  }
  return c;
}

function vecCount(body: Uint8Array | undefined): number {
  return body ? new ByteReader(body).u32() : 0;
}

/** Appends `items` (each already encoded) to a vector section body. */
function appendToVec(body: Uint8Array | undefined, items: Uint8Array[]): Uint8Array {
  const w = new ByteWriter();
  if (body) {
    const r = new ByteReader(body);
    const n = r.u32();
    w.u32(n + items.length).bytes(body.subarray(r.pos));
  } else {
    w.u32(items.length);
  }
  for (const it of items) w.bytes(it);
  return w.toBytes();
}

/** Fuel check, stack-neutral: refill when the counter is zero, trap when refused, count one. */
function fuelCheck(fuel: number, hooks: number, refillType: number): Uint8Array {
  const g = u32Bytes(fuel);
  return new ByteWriter()
    .byte(0x23).bytes(g) // global.get $fuel
    .byte(0x45) // i32.eqz
    .byte(0x04).byte(0x40) // if
    .byte(0x41).byte(0x00) // i32.const 0 (slot: refill)
    .byte(0x11).u32(refillType).u32(hooks) // call_indirect
    .byte(0x24).bytes(g) // global.set $fuel
    .byte(0x23).bytes(g) // global.get $fuel
    .byte(0x45) // i32.eqz
    .byte(0x04).byte(0x40).byte(0x00).byte(0x0b) // if unreachable end
    .byte(0x0b) // end
    .byte(0x23).bytes(g) // global.get $fuel
    .byte(0x41).byte(0x01) // i32.const 1
    .byte(0x6b) // i32.sub
    .byte(0x24).bytes(g) // global.set $fuel
    .toBytes();
}

/** `memory.grow m` becomes `i32.const m; i32.const 1; call_indirect $grow $hooks`. */
function growCall(memory: number, hooks: number, growType: number): Uint8Array {
  return new ByteWriter()
    .byte(0x41).s32(memory)
    .byte(0x41).byte(0x01)
    .byte(0x11).u32(growType).u32(hooks)
    .toBytes();
}

function defined64BitMemories(body: Uint8Array | undefined, firstIndex: number): Set<number> {
  const out = new Set<number>();
  if (!body) return out;
  const r = new ByteReader(body);
  const n = r.u32();
  for (let i = 0; i < n; i++) if (limitsIs64(r)) out.add(firstIndex + i);
  return out;
}

function mutableGlobals(body: Uint8Array | undefined, firstIndex: number): number[] {
  const out: number[] = [];
  if (!body) return out;
  const r = new ByteReader(body);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    skipValType(r);
    if (r.byte() === 1) out.push(firstIndex + i);
    skipConstExpr(r);
  }
  return out;
}

function exportNames(body: Uint8Array | undefined): Set<string> {
  const out = new Set<string>();
  if (!body) return out;
  const r = new ByteReader(body);
  const n = r.u32();
  for (let i = 0; i < n; i++) {
    out.add(r.name());
    r.byte();
    r.u32();
  }
  return out;
}

interface CodeRewrite {
  fuel: number;
  hooks: number;
  refillType: number;
  growType: number;
  memory64: Set<number>;
  report: InstrumentReport;
}

function rewriteCode(body: Uint8Array, cx: CodeRewrite): Uint8Array {
  const check = fuelCheck(cx.fuel, cx.hooks, cx.refillType);
  const r = new ByteReader(body);
  const n = r.u32();
  const w = new ByteWriter().u32(n);
  for (let i = 0; i < n; i++) {
    const size = r.u32();
    const start = r.pos;
    const end = start + size;
    const fr = new ByteReader(body, start, end);
    const groups = fr.u32();
    for (let g = 0; g < groups; g++) {
      fr.u32();
      skipValType(fr);
    }
    const codeStart = fr.pos;
    // Pass: collect edit points (offset, bytes to insert, bytes to drop).
    const edits: { at: number; insert: Uint8Array; drop: number }[] = [];
    let tail = false;
    while (fr.pos < end) {
      const at = fr.pos;
      const ins = readInstruction(fr);
      if (ins.kind === "loop") {
        edits.push({ at: fr.pos, insert: check, drop: 0 });
        cx.report.loops++;
      } else if (ins.kind === "memory.grow" && !cx.memory64.has(ins.memory)) {
        edits.push({ at, insert: growCall(ins.memory, cx.hooks, cx.growType), drop: fr.pos - at });
        cx.report.grows++;
      } else if (ins.kind === "tail-call") {
        tail = true;
      }
    }
    const fw = new ByteWriter().bytes(body.subarray(start, codeStart));
    if (tail) {
      fw.bytes(check);
      cx.report.entries++;
    }
    let from = codeStart;
    for (const e of edits) {
      fw.bytes(body.subarray(from, e.at)).bytes(e.insert);
      from = e.at + e.drop;
    }
    fw.bytes(body.subarray(from, end));
    const fb = fw.toBytes();
    w.u32(fb.length).bytes(fb);
    r.pos = end;
  }
  return w.toBytes();
}

/**
 * Instruments a core module so that a host can bound what one call costs and can
 * snapshot the instance. Pure: bytes in, bytes out.
 *
 * - Every loop header (and the entry of every function that makes tail calls) counts
 *   one unit of fuel from a new mutable i32 global exported as {@link FUEL_EXPORT}. At
 *   zero it calls slot 0 of a new funcref table exported as {@link HOOKS_EXPORT}
 *   (`() -> i32`): the host returns fresh fuel, or 0 to stop the call with a trap that
 *   wasm code cannot catch. Any unbounded execution passes loop headers or tail-calling
 *   entries (plain recursion ends in a stack overflow).
 * - Every 32-bit `memory.grow` calls slot 1 (`(delta, memory) -> i32`), so the host
 *   enforces a memory cap per instance.
 * - Every defined memory and mutable global is exported (prefixes
 *   {@link MEMORY_EXPORT_PREFIX} and {@link GLOBAL_EXPORT_PREFIX}) so the host can read and
 *   restore the whole state of an instance.
 *
 * No existing index changes: the new type, table and global are appended, so the module
 * keeps its imports and exports and only gains exports.
 *
 * @throws {WasmDecodeError} when the bytes are not a module it can decode.
 */
export function instrumentCoreModule(
  bytes: Uint8Array,
): { bytes: Uint8Array; report: InstrumentReport } {
  const sections = readSections(bytes);
  const find = (id: number) => sections.find((s) => s.id === id);
  const imported = countImports(find(2)?.body);
  const typeCount = find(1) ? countTypes(find(1)!.body) : 0;
  const definedTables = vecCount(find(4)?.body);
  const definedMemories = vecCount(find(5)?.body);
  const definedGlobals = vecCount(find(6)?.body);

  const refillType = typeCount;
  const growType = typeCount + 1;
  const hooks = imported.tables + definedTables;
  const fuel = imported.globals + definedGlobals;
  const memories = Array.from({ length: definedMemories }, (_, i) => imported.memories + i);
  const globals = mutableGlobals(find(6)?.body, imported.globals);
  const report: InstrumentReport = { loops: 0, entries: 0, grows: 0, memories, globals };

  const names = exportNames(find(7)?.body);
  const newExports: Uint8Array[] = [];
  const addExport = (name: string, kind: number, index: number) => {
    if (names.has(name)) throw new WasmDecodeError(`module already exports ${name}`, 0);
    newExports.push(new ByteWriter().name(name).byte(kind).u32(index).toBytes());
  };
  addExport(FUEL_EXPORT, 3, fuel);
  addExport(HOOKS_EXPORT, 1, hooks);
  for (const m of memories) addExport(`${MEMORY_EXPORT_PREFIX}${m}`, 2, m);
  for (const g of globals) addExport(`${GLOBAL_EXPORT_PREFIX}${g}`, 3, g);

  const replace = new Map<number, Uint8Array>();
  replace.set(
    1,
    appendToVec(find(1)?.body, [
      Uint8Array.of(0x60, 0x00, 0x01, 0x7f),
      Uint8Array.of(0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f),
    ]),
  );
  replace.set(4, appendToVec(find(4)?.body, [Uint8Array.of(0x70, 0x00, 0x02)]));
  // Fuel starts high so that start functions run before the host installs the hooks.
  replace.set(
    6,
    appendToVec(find(6)?.body, [
      new ByteWriter().byte(0x7f).byte(0x01).byte(0x41).s32(0x3fffffff).byte(0x0b).toBytes(),
    ]),
  );
  replace.set(7, appendToVec(find(7)?.body, newExports));
  const code = find(10);
  if (code) {
    replace.set(
      10,
      rewriteCode(code.body, {
        fuel,
        hooks,
        refillType,
        growType,
        memory64: defined64BitMemories(find(5)?.body, imported.memories),
        report,
      }),
    );
  }

  // Re-emit, inserting sections the module lacked at their canonical position.
  const out = new ByteWriter().bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]);
  const pending = new Map(replace);
  const emit = (id: number, body: Uint8Array) => out.byte(id).u32(body.length).bytes(body);
  const flushBefore = (rank: number) => {
    for (const [id, body] of [...pending].sort((a, b) => SECTION_RANK[a[0]] - SECTION_RANK[b[0]])) {
      if (SECTION_RANK[id] < rank) {
        emit(id, body);
        pending.delete(id);
      }
    }
  };
  for (const s of sections) {
    if (s.id !== 0) flushBefore(SECTION_RANK[s.id] ?? 0);
    const body = pending.get(s.id);
    if (body) {
      emit(s.id, body);
      pending.delete(s.id);
    } else {
      emit(s.id, s.body);
    }
  }
  flushBefore(Infinity);
  return { bytes: out.toBytes(), report };
}

/** Whether a compiled module was produced by {@link instrumentCoreModule}. */
export function isInstrumented(module: WebAssembly.Module): boolean {
  return WebAssembly.Module.exports(module).some((e) => e.name === HOOKS_EXPORT);
}
