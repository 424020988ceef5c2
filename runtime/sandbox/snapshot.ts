import { z } from "zod";

/** The state of one core instance of a component: its memories and mutable globals. */
export interface InstanceState {
  /** Defined memories by memory index, with their whole contents. */
  memories: { index: number; bytes: Uint8Array }[];
  /** Defined mutable numeric globals by global index (i64 as bigint). */
  globals: { index: number; value: number | bigint }[];
}

/**
 * The in-memory state of an agent at a message boundary: every linear memory and mutable
 * global of each core instance of its component, in instantiation order. With the
 * component hash and the agent's storage this is everything needed to continue the agent
 * in a fresh instance (hibernation, restart, migration).
 */
export interface MemorySnapshot {
  /** SHA-256 (hex) of the component the state belongs to. */
  hash: string;
  instances: InstanceState[];
}

const MAGIC = new TextEncoder().encode("FIPAMEM1");

const GlobalValueSchema = z.union([
  z.strictObject({ n: z.number() }),
  z.strictObject({ s: z.enum(["NaN", "Infinity", "-Infinity", "-0"]) }),
  z.strictObject({ b: z.string().regex(/^-?\d+$/) }),
]);

const HeaderSchema = z.strictObject({
  hash: z.string().regex(/^[0-9a-f]{64}$/, "a SHA-256 hex digest"),
  instances: z.array(z.strictObject({
    memories: z.array(z.strictObject({
      index: z.number().int().min(0),
      length: z.number().int().min(0).max(2 ** 32),
    })).max(64),
    globals: z.array(z.strictObject({ index: z.number().int().min(0), value: GlobalValueSchema }))
      .max(100_000),
  })).max(1024),
});

function encodeValue(v: number | bigint): z.infer<typeof GlobalValueSchema> {
  if (typeof v === "bigint") return { b: v.toString() };
  if (Number.isNaN(v)) return { s: "NaN" };
  if (v === Infinity) return { s: "Infinity" };
  if (v === -Infinity) return { s: "-Infinity" };
  if (Object.is(v, -0)) return { s: "-0" };
  return { n: v };
}

function decodeValue(v: z.infer<typeof GlobalValueSchema>): number | bigint {
  if ("b" in v) return BigInt(v.b);
  if ("n" in v) return v.n;
  return v.s === "-0" ? -0 : Number(v.s);
}

/**
 * Encodes a snapshot as bytes: `FIPAMEM1`, a u32 (little-endian) header length, a JSON
 * header, then the memories' bytes in header order.
 */
export function encodeMemorySnapshot(s: MemorySnapshot): Uint8Array {
  const header = new TextEncoder().encode(JSON.stringify({
    hash: s.hash,
    instances: s.instances.map((i) => ({
      memories: i.memories.map((m) => ({ index: m.index, length: m.bytes.length })),
      globals: i.globals.map((g) => ({ index: g.index, value: encodeValue(g.value) })),
    })),
  }));
  const total = s.instances.reduce(
    (n, i) => n + i.memories.reduce((k, m) => k + m.bytes.length, 0),
    MAGIC.length + 4 + header.length,
  );
  const out = new Uint8Array(total);
  out.set(MAGIC, 0);
  new DataView(out.buffer).setUint32(MAGIC.length, header.length, true);
  out.set(header, MAGIC.length + 4);
  let at = MAGIC.length + 4 + header.length;
  for (const i of s.instances) {
    for (const m of i.memories) {
      out.set(m.bytes, at);
      at += m.bytes.length;
    }
  }
  return out;
}

/**
 * Decodes {@link encodeMemorySnapshot}'s bytes, validating the header (snapshots come
 * from peers: a trust boundary).
 *
 * @throws {Error} naming what is wrong.
 */
export function decodeMemorySnapshot(bytes: Uint8Array): MemorySnapshot {
  if (bytes.length < MAGIC.length + 4 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new Error("memory snapshot: missing FIPAMEM1 magic");
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = view.getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (start + len > bytes.length) throw new Error("memory snapshot: header runs past the end");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + len)));
  } catch {
    throw new Error("memory snapshot: header is not JSON");
  }
  const r = HeaderSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new Error(`memory snapshot: header ${i.path.join(".")}: ${i.message}`);
  }
  let at = start + len;
  const instances = r.data.instances.map((i) => ({
    memories: i.memories.map((m) => {
      if (at + m.length > bytes.length) {
        throw new Error(`memory snapshot: memory ${m.index} runs past the end`);
      }
      const b = bytes.slice(at, at + m.length);
      at += m.length;
      return { index: m.index, bytes: b };
    }),
    globals: i.globals.map((g) => ({ index: g.index, value: decodeValue(g.value) })),
  }));
  if (at !== bytes.length) throw new Error("memory snapshot: trailing bytes");
  return { hash: r.data.hash, instances };
}
