/**
 * The snapshot format (version 1): one canonical binary form for hibernation, restarts and
 * migration. Pure: equal snapshots give equal bytes.
 *
 * ```
 * "FIPASNAP"  u16 version (big-endian)  u32 header length  header  storage values  memory
 * ```
 * The header is canonical JSON (sorted keys, no whitespace): metadata, the agent's record,
 * its migration history, open conversations, queued messages, the storage keys with their
 * value lengths (sorted by key) and the memory section's length. The values follow in
 * header order, then the memory section: the sandbox's `FIPAMEM1` encoding of every
 * linear memory and mutable global.
 * @module
 */
import { z } from "zod";
import { JsonValueSchema } from "../acl/mod.ts";
import { AGENT_STATES, AgentLocalNameSchema, RestartStrategySchema } from "../agents/mod.ts";
import type { AgentRecord } from "../agents/mod.ts";
import { canonicalJson } from "../directory/mod.ts";
import {
  decodeMemorySnapshot,
  encodeMemorySnapshot,
  LimitsSchema,
  ManifestSchema,
} from "../sandbox/mod.ts";
import { type AgentSnapshot, SNAPSHOT_REASONS } from "./capture.ts";
import { TimerTableSchema } from "../timers/mod.ts";
import { heldFromWire, heldToWire, HeldWireSchema } from "./held-wire.ts";

/** The first bytes of an (uncompressed, unsigned) snapshot. */
export const SNAPSHOT_MAGIC = new TextEncoder().encode("FIPASNAP");
/** The format version this code writes and reads. */
export const SNAPSHOT_VERSION = 1;

const PREFIX = SNAPSHOT_MAGIC.length + 2 + 4;
const Hex64 = z.string().regex(/^[0-9a-f]{64}$/, "64 lowercase hex digits");
const Instant = z.string().min(1).max(64);
const NodeId = z.string().min(1).max(256).regex(/^[^\s()]+$/, "a node id");

const RecordSchema = z.strictObject({
  agent_id: z.string().min(1).max(128),
  name: AgentLocalNameSchema,
  version: z.string().min(1).max(64),
  hash: Hex64,
  publisher_key_id: z.string().regex(/^ed25519:[0-9a-f]{16}$/).optional(),
  manifest: ManifestSchema,
  limits: LimitsSchema,
  restart: RestartStrategySchema,
  hibernate_after_seconds: z.number().min(0).max(86_400 * 365).optional(),
  state: z.enum(AGENT_STATES),
  deployed_at: Instant,
  updated_at: Instant,
  deployment_id: z.string().min(1).max(128),
  failure: z.strictObject({
    reason: z.string().max(256),
    message: z.string().max(65_536),
    at: Instant,
  }).optional(),
});

const HeaderSchema = z.strictObject({
  meta: z.strictObject({
    source: NodeId,
    taken_at: Instant,
    nonce: Hex64,
    reason: z.enum(SNAPSHOT_REASONS),
    target: NodeId.optional(),
  }),
  record: RecordSchema,
  history: z.array(z.strictObject({ from: NodeId, to: NodeId, at: Instant, nonce: Hex64 }))
    .max(10_000),
  conversations: JsonValueSchema.nullable(),
  timers: TimerTableSchema.optional(),
  queued: z.array(HeldWireSchema).max(1_000_000),
  storage: z.array(z.strictObject({
    key: z.string().min(1).max(4096),
    length: z.number().int().min(0).max(2 ** 31),
  })).max(1_000_000),
  memory_length: z.number().int().min(0).max(2 ** 40),
});

/** Why a snapshot's bytes could not be read. */
export class SnapshotFormatError extends Error {
  constructor(message: string) {
    super(`snapshot: ${message}`);
    this.name = "SnapshotFormatError";
  }
}

/**
 * Encodes a snapshot in the canonical binary form. Storage entries are written sorted by
 * key whatever their order in `s`.
 *
 * @example
 * ```ts
 * const bytes = encodeSnapshot(snapshot);
 * decodeSnapshot(bytes); // deep-equals snapshot (storage sorted)
 * ```
 */
export function encodeSnapshot(s: AgentSnapshot): Uint8Array {
  const storage = [...s.storage].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const memory = encodeMemorySnapshot(s.memory);
  const header = new TextEncoder().encode(canonicalJson({
    meta: s.meta,
    record: s.record,
    history: s.history,
    conversations: s.conversations,
    // Only when there are timers: a snapshot without any is byte for byte as before.
    ...(s.timers?.timers.length ? { timers: s.timers } : {}),
    queued: s.queued.map(heldToWire),
    storage: storage.map(([key, v]) => ({ key, length: v.length })),
    memory_length: memory.length,
  }));
  const size = PREFIX + header.length + storage.reduce((n, [, v]) => n + v.length, 0) +
    memory.length;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  out.set(SNAPSHOT_MAGIC, 0);
  view.setUint16(SNAPSHOT_MAGIC.length, SNAPSHOT_VERSION);
  view.setUint32(SNAPSHOT_MAGIC.length + 2, header.length);
  out.set(header, PREFIX);
  let at = PREFIX + header.length;
  for (const [, v] of storage) {
    out.set(v, at);
    at += v.length;
  }
  out.set(memory, at);
  return out;
}

/** Whether `bytes` start like an encoded (unsigned, uncompressed) snapshot. */
export function looksLikeSnapshot(bytes: Uint8Array): boolean {
  return bytes.length >= SNAPSHOT_MAGIC.length &&
    SNAPSHOT_MAGIC.every((b, i) => bytes[i] === b);
}

/**
 * Decodes {@link encodeSnapshot}'s bytes, validating every field (snapshots come from peers).
 *
 * @throws {SnapshotFormatError} naming what is wrong.
 */
export function decodeSnapshot(bytes: Uint8Array): AgentSnapshot {
  if (!looksLikeSnapshot(bytes)) throw new SnapshotFormatError("missing FIPASNAP magic");
  if (bytes.length < PREFIX) throw new SnapshotFormatError("truncated before the header");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint16(SNAPSHOT_MAGIC.length);
  if (version !== SNAPSHOT_VERSION) {
    throw new SnapshotFormatError(`version ${version} is not supported (only ${SNAPSHOT_VERSION})`);
  }
  const len = view.getUint32(SNAPSHOT_MAGIC.length + 2);
  if (PREFIX + len > bytes.length) throw new SnapshotFormatError("header runs past the end");
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(
      bytes.subarray(PREFIX, PREFIX + len),
    ));
  } catch {
    throw new SnapshotFormatError("header is not UTF-8 JSON");
  }
  const r = HeaderSchema.safeParse(json);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new SnapshotFormatError(`header ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  const h = r.data;
  let at = PREFIX + len;
  const storage: [string, Uint8Array][] = [];
  let prev: string | undefined;
  for (const { key, length } of h.storage) {
    if (prev !== undefined && !(prev < key)) {
      throw new SnapshotFormatError(`storage keys not sorted or repeated at '${key}'`);
    }
    prev = key;
    if (at + length > bytes.length) {
      throw new SnapshotFormatError(`storage value '${key}' runs past the end`);
    }
    storage.push([key, bytes.slice(at, at + length)]);
    at += length;
  }
  if (at + h.memory_length !== bytes.length) {
    throw new SnapshotFormatError(
      `memory section is ${bytes.length - at} bytes, the header says ${h.memory_length}`,
    );
  }
  let memory;
  try {
    memory = decodeMemorySnapshot(bytes.subarray(at));
  } catch (e) {
    throw new SnapshotFormatError((e as Error).message);
  }
  if (memory.hash !== h.record.hash) {
    throw new SnapshotFormatError(
      `memory belongs to component ${memory.hash}, the record names ${h.record.hash}`,
    );
  }
  let queued;
  try {
    queued = h.queued.map(heldFromWire);
  } catch (e) {
    throw new SnapshotFormatError(`queued message: ${(e as Error).message}`);
  }
  return {
    meta: h.meta,
    record: h.record as AgentRecord,
    history: h.history,
    conversations: h.conversations,
    ...(h.timers ? { timers: h.timers } : {}),
    queued,
    storage,
    memory,
  };
}
