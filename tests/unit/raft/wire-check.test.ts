// The hand-written check of a decoded Raft frame (`isWellFormedFrame`) against the zod
// schema (`MessageSchema`): wherever the check says yes, the schema accepts the message and
// returns an equal one; `decodeMessage` answers as the schema alone would (the same message,
// or a refusal). Seeded property tests over messages with valid and invalid numbers, ids and
// entry sequences, and over corrupted frames.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import {
  decodeMessage,
  encodeMessage,
  type Message,
  MessageSchema,
  WireError,
} from "../../../runtime/raft/mod.ts";
import { isWellFormedFrame } from "../../../runtime/raft/wire-check.ts";

const RUNS = { numRuns: 1000 };

const arbNumber = fc.oneof(
  { arbitrary: fc.nat({ max: 50 }), weight: 8 },
  {
    arbitrary: fc.constantFrom(
      -1,
      -0,
      1.5,
      NaN,
      Infinity,
      Number.MAX_SAFE_INTEGER,
      Number.MAX_SAFE_INTEGER + 2,
    ),
    weight: 1,
  },
);
const arbId = fc.oneof(
  { arbitrary: fc.constantFrom("a", "b", "n12"), weight: 8 },
  { arbitrary: fc.constantFrom("", "x".repeat(256), "x".repeat(257), "é".repeat(200)), weight: 1 },
);
const base = { term: arbNumber, from: arbId, to: arbId };
const arbEntries = fc.array(
  fc.record({
    type: fc.constantFrom("normal", "noop", "conf"),
    index: arbNumber,
    term: arbNumber,
    data: fc.uint8Array({ maxLength: 4 }),
    node: fc.oneof(arbId, fc.constantFrom("", "x".repeat(257))),
  }),
  { maxLength: 4 },
);
/** Appends whose entries mostly follow `prevIndex` with terms in order (valid ones too). */
const arbAppend = fc.record({
  ...base,
  prevIndex: arbNumber,
  prevTerm: arbNumber,
  commit: arbNumber,
  entries: arbEntries,
  contiguous: fc.boolean(),
}).map(({ contiguous, entries, ...m }) => ({
  type: "append" as const,
  ...m,
  // Contiguous appends also keep their entries' terms in order after prevTerm.
  prevTerm: contiguous && Number.isFinite(m.term) && Number.isFinite(m.prevTerm)
    ? Math.min(m.prevTerm, Math.max(0, m.term - 1))
    : m.prevTerm,
  entries: entries.map((e, i) => {
    const index = contiguous && Number.isFinite(m.prevIndex) ? m.prevIndex + 1 + i : e.index;
    const term = contiguous && Number.isFinite(m.term) ? Math.max(0, m.term - (i % 2)) : e.term;
    if (e.type === "normal") return { type: "normal" as const, index, term, data: e.data };
    if (e.type === "noop") return { type: "noop" as const, index, term };
    return {
      type: "conf" as const,
      index,
      term,
      change: { type: "addLearner" as const, node: e.node },
      conf: { voters: ["a"], learners: [e.node] },
    };
  }),
}));
const arbMessage: fc.Arbitrary<Message> = fc.oneof(
  arbAppend,
  fc.record({
    ...base,
    type: fc.constant("appendResp" as const),
    index: arbNumber,
    reject: fc.boolean(),
    rejectHint: arbNumber,
    logTerm: arbNumber,
  }),
  fc.record({
    ...base,
    type: fc.constant("heartbeat" as const),
    commit: arbNumber,
    readSeq: arbNumber,
  }),
  fc.record({ ...base, type: fc.constant("heartbeatResp" as const), readSeq: arbNumber }),
  fc.record({ ...base, type: fc.constant("timeoutNow" as const) }),
  fc.record({
    ...base,
    type: fc.constant("preVote" as const),
    lastIndex: arbNumber,
    lastTerm: arbNumber,
    transfer: fc.boolean(),
  }),
) as fc.Arbitrary<Message>;

type Outcome = { ok: true; message: Message } | { ok: false };

/**
 * What the schema makes of `m`. A frame of `encodeMessage(m)` decodes to `m`'s fields
 * exactly (numbers as float64, ids as UTF-8), so this is the schema's verdict on the frame.
 */
function bySchema(m: Message): Outcome {
  const r = MessageSchema.safeParse(m);
  return r.success ? { ok: true, message: r.data } : { ok: false };
}

Deno.test("wire check: a yes is the schema's yes, and decodeMessage agrees with the schema", () => {
  let fast = 0;
  let valid = 0;
  fc.assert(
    fc.property(arbMessage, (generated) => {
      const m = structuredClone(generated); // plain objects, as the decoder makes them
      let bytes: Uint8Array;
      try {
        bytes = encodeMessage(m);
      } catch {
        return; // not encodable (an id longer than the wire allows)
      }
      const schema = bySchema(m);
      if (isWellFormedFrame(m as unknown as Record<string, unknown>)) {
        fast++;
        assert.ok(schema.ok, `the check accepted what the schema refuses: ${String(m.type)}`);
        assert.deepEqual(schema.message, m);
      }
      let decoded: Outcome;
      try {
        decoded = { ok: true, message: decodeMessage(bytes) };
      } catch (e) {
        assert.ok(e instanceof WireError, String(e));
        decoded = { ok: false };
      }
      assert.equal(
        decoded.ok,
        schema.ok,
        JSON.stringify(m, (_k, v) => Number.isNaN(v) ? "NaN" : v),
      );
      if (decoded.ok && schema.ok) {
        assert.deepEqual(decoded.message, schema.message);
        valid++;
      }
    }),
    RUNS,
  );
  assert.ok(fast > 100 && valid > 100, `fast ${fast}, valid ${valid}`);
});

Deno.test("wire check: what it leaves to the schema", () => {
  const ok = (m: unknown) => isWellFormedFrame(m as Record<string, unknown>);
  const hb = { type: "heartbeat", term: 1, from: "a", to: "b", commit: 0, readSeq: 0 };
  assert.equal(ok(hb), true);
  assert.equal(ok({ ...hb, commit: -1 }), false);
  assert.equal(ok({ ...hb, readSeq: 0.5 }), false);
  assert.equal(ok({ ...hb, to: "" }), false);
  assert.equal(ok({ type: "timeoutNow", term: 1, from: "a", to: "b" }), false);
  const append = {
    type: "append",
    term: 2,
    from: "a",
    to: "b",
    prevIndex: 3,
    prevTerm: 1,
    commit: 3,
    entries: [{ type: "normal", index: 4, term: 2, data: new Uint8Array(1) }],
  };
  assert.equal(ok(append), true);
  assert.equal(ok({ ...append, entries: [{ ...append.entries[0], index: 5 }] }), false);
  assert.equal(ok({ ...append, entries: [{ ...append.entries[0], term: 3 }] }), false);
  assert.equal(ok({ ...append, entries: [{ ...append.entries[0], term: 0 }] }), false);
  assert.equal(
    ok({ ...append, entries: [{ type: "normal", index: 4, term: 2, data: [1] }] }),
    false,
  );
});
