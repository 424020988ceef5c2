import assert from "node:assert/strict";
import {
  confOf,
  decodeMessage,
  encodeMessage,
  type Message,
  MessageSchema,
  WireError,
} from "../../../runtime/raft/mod.ts";

const bytes = new Uint8Array([0, 1, 2, 250, 255]);
const samples: Message[] = [
  { type: "preVote", term: 3, from: "a", to: "b", lastIndex: 7, lastTerm: 2, transfer: false },
  { type: "vote", term: 3, from: "a", to: "b", lastIndex: 7, lastTerm: 2, transfer: true },
  { type: "preVoteResp", term: 3, from: "b", to: "a", granted: true },
  { type: "voteResp", term: 3, from: "b", to: "a", granted: false },
  {
    type: "append",
    term: 3,
    from: "a",
    to: "b",
    prevIndex: 4,
    prevTerm: 2,
    commit: 4,
    entries: [
      { type: "normal", index: 5, term: 2, data: bytes },
      { type: "noop", index: 6, term: 3 },
      {
        type: "conf",
        index: 7,
        term: 3,
        change: { type: "addLearner", node: "c" },
        conf: confOf(["a", "b"], ["c"]),
      },
    ],
  },
  {
    type: "appendResp",
    term: 3,
    from: "b",
    to: "a",
    index: 4,
    reject: true,
    rejectHint: 2,
    logTerm: 1,
  },
  { type: "heartbeat", term: 3, from: "a", to: "b", commit: 4, readSeq: 9 },
  { type: "heartbeatResp", term: 3, from: "b", to: "a", readSeq: 9 },
  {
    type: "snapshot",
    term: 3,
    from: "a",
    to: "b",
    snapshot: { meta: { index: 9, term: 3, conf: confOf(["a", "b"]) }, data: bytes },
  },
  { type: "timeoutNow", term: 3, from: "a", to: "b" },
  { type: "readIndex", term: 3, from: "b", to: "a", ctx: "b/1" },
  { type: "readIndexResp", term: 3, from: "a", to: "b", ctx: "b/1", index: 4 },
];

Deno.test("wire: every message type round-trips through bytes", () => {
  for (const m of samples) assert.deepEqual(decodeMessage(encodeMessage(m)), m, m.type);
});

Deno.test("wire: garbage and invalid messages are refused, naming the bad field", () => {
  assert.throws(() => decodeMessage(new Uint8Array([0xff, 0xfe])), /version 255/);
  assert.throws(() => decodeMessage(new TextEncoder().encode("{")), WireError);
  assert.throws(() => decodeMessage(new Uint8Array([1, 99])), /unknown message type 99/);
  const heartbeat = encodeMessage(samples[6]);
  assert.throws(() => decodeMessage(heartbeat.subarray(0, heartbeat.length - 1)), /readSeq/);
  assert.throws(() => decodeMessage(new Uint8Array([...heartbeat, 0])), /1 bytes after/);
  const bad = (patch: Record<string, unknown>, field: RegExp) => {
    const m = { ...samples[6], ...patch } as Message;
    assert.throws(() => decodeMessage(encodeMessage(m)), (e: unknown) => {
      assert.ok(e instanceof WireError);
      assert.match(e.message, field);
      return true;
    });
  };
  bad({ term: -1 }, /term/);
  bad({ commit: 1.5 }, /commit/);
  bad({ from: "" }, /from/);
  bad({ readSeq: Number.MAX_SAFE_INTEGER + 2 }, /readSeq/);
  // An entry count the frame cannot hold is refused before anything is allocated for it.
  const append = encodeMessage({ ...(samples[4] as Extract<Message, { type: "append" }>) });
  const huge = append.slice();
  const countAt = 2 + 8 + 3 + 3 + 8 * 3; // version, type, term, from, to, prevIndex/Term, commit
  new DataView(huge.buffer).setUint32(countAt, 0xffff_ffff);
  assert.throws(() => decodeMessage(huge), /cannot fit/);
});

Deno.test("wire: an entry's command travels as its own bytes (no JSON, no base64)", () => {
  const data = new Uint8Array(1000).fill(7);
  const m: Message = {
    type: "append",
    term: 1,
    from: "a",
    to: "b",
    prevIndex: 0,
    prevTerm: 0,
    commit: 0,
    entries: [{ type: "normal", index: 1, term: 1, data }],
  };
  const bytes = encodeMessage(m);
  assert.ok(bytes.length < 1100, `${bytes.length} bytes for a 1000-byte command`);
  const back = decodeMessage(bytes) as typeof m;
  assert.deepEqual(back, m);
  bytes.fill(0); // the decoded entry owns its bytes
  assert.deepEqual((back.entries[0] as { data: Uint8Array }).data, data);
});

Deno.test("wire: append entries must follow prevIndex contiguously with sane terms", () => {
  const append = samples[4] as Extract<Message, { type: "append" }>;
  const gap = { ...append, entries: [{ ...append.entries[0], index: 6 }] };
  assert.equal(MessageSchema.safeParse(gap).success, false);
  const future = { ...append, entries: [{ ...append.entries[0], term: 4 }] };
  assert.equal(MessageSchema.safeParse(future).success, false);
  assert.equal(MessageSchema.safeParse(append).success, true);
});
