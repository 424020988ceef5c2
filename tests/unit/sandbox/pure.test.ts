// The pure parts of the sandbox: manifest defaults, send policy, token bucket, message
// conversion to and from the WIT record, snapshot encoding, world check helpers.
import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  decodeMemorySnapshot,
  encodeMemorySnapshot,
  fromWitMessage,
  LimitsSchema,
  ManifestSchema,
  type MemorySnapshot,
  toWitMessage,
  wasmKind,
} from "../../../runtime/sandbox/mod.ts";
import { entrySize, protocolAllowed, receiverAllowed } from "../../../runtime/sandbox/policy.ts";
import { versionedImports } from "../../../runtime/sandbox/world-check.ts";

Deno.test("an empty manifest grants the least", () => {
  const m = ManifestSchema.parse({});
  assert.equal(m.network, "none");
  assert.equal(m.protocols, "any");
  assert.equal(m.storage_quota, 1024 * 1024);
  assert.equal(m.may_migrate, false);
  assert.equal(m.may_spawn, false);
  assert.deepEqual(m.env, {});
  assert.deepEqual(m.net, [], "no host");
  assert.deepEqual(m.files, [], "no directory");
  assert.equal("permissions" in m, false);
  const l = LimitsSchema.parse({});
  assert.equal(l.memory, 64 * 1024 * 1024);
  assert.equal(l.cpu_ms_per_call, 1000);
});

Deno.test("sizes accept units and unknown manifest fields are refused", () => {
  assert.equal(ManifestSchema.parse({ storage_quota: "64KB" }).storage_quota, 65536);
  assert.equal(LimitsSchema.parse({ memory: "50MB" }).memory, 50 * 1024 * 1024);
  assert.equal(LimitsSchema.parse({ memory: "1GiB" }).memory, 1024 ** 3);
  assert.equal(ManifestSchema.safeParse({ storage_quota: "lots" }).success, false);
  assert.equal(ManifestSchema.safeParse({ netwrok: "any" }).success, false);
  assert.equal(ManifestSchema.safeParse({ network: ["a@x", "node:n2"] }).success, true);
});

Deno.test("receivers: none allows only peers, local asks the node, lists match names and nodes", () => {
  const facts = {
    peers: new Set(["client@n1"]),
    isLocal: (n: string) => n.endsWith("@n1"),
    nodeOf: (n: string) => (n === "far@x" ? "n2" : undefined),
  };
  assert.equal(receiverAllowed("none", "client@n1", facts), undefined);
  assert.match(receiverAllowed("none", "other@n1", facts)!, /"other@n1".*none/);
  assert.equal(receiverAllowed("local", "other@n1", facts), undefined);
  assert.match(receiverAllowed("local", "far@x", facts)!, /not on this node/);
  assert.equal(receiverAllowed(["far@x"], "far@x", facts), undefined);
  assert.equal(receiverAllowed(["node:n2"], "far@x", facts), undefined);
  assert.match(receiverAllowed(["node:n3"], "far@x", facts)!, /network list/);
  assert.equal(receiverAllowed("any", "anyone@anywhere", facts), undefined);
});

Deno.test("protocols: messages without a protocol always pass", () => {
  assert.equal(protocolAllowed(["fipa-request"], undefined), undefined);
  assert.equal(protocolAllowed(["fipa-request"], "fipa-request"), undefined);
  assert.match(protocolAllowed(["fipa-request"], "fipa-contract-net")!, /fipa-contract-net/);
  assert.equal(protocolAllowed("any", "anything"), undefined);
});

Deno.test("a storage entry costs its UTF-8 key bytes plus its value bytes", () => {
  assert.equal(entrySize("é", new Uint8Array(3)), 5);
});

const FULL: AclMessage = {
  performative: "query-ref",
  sender: { ...aid("a@n1", ["http://x/acc"]), resolvers: [aid("ams@n1")] },
  receivers: [aid("b@n1"), aid("c@n2")],
  reply_to: [aid("d@n1")],
  content: "(iota ?x (p ?x))",
  language: "fipa-sl",
  encoding: "utf-8",
  ontology: "o",
  protocol: "fipa-query",
  conversation_id: "c1",
  reply_with: "r1",
  in_reply_to: "r0",
  reply_by: "2026-11-21T10:15:00Z",
  user_params: { "X-priority": "high" },
};

Deno.test("a message crosses to the WIT record and back unchanged (the sender is the agent)", () => {
  const w = toWitMessage(FULL, "m-1");
  assert.equal(w.messageId, "m-1");
  assert.deepEqual(w.content, { tag: "text", val: "(iota ?x (p ?x))" });
  assert.deepEqual(w.sender, { name: "a@n1", addresses: ["http://x/acc"], resolvers: ["ams@n1"] });
  assert.deepEqual(w.userParams, [["X-priority", "high"]]);
  const back = fromWitMessage(w, FULL.sender!);
  assert.ok(back.ok);
  assert.deepEqual(back.message, FULL);
  const forged = fromWitMessage(
    { ...w, sender: { name: "ceo@n1", addresses: [], resolvers: [] } },
    aid("a@n1"),
  );
  assert.ok(forged.ok);
  assert.equal(forged.message.sender?.name, "a@n1");
});

Deno.test("JSON content crosses as json and comes back as a value", () => {
  const m: AclMessage = {
    performative: "inform",
    receivers: [aid("b")],
    content: { n: [1, true] },
  };
  const w = toWitMessage(m, "x");
  assert.deepEqual(w.content, { tag: "json", val: '{"n":[1,true]}' });
  const back = fromWitMessage(w, aid("a"));
  assert.ok(back.ok);
  assert.deepEqual(back.message.content, { n: [1, true] });
});

Deno.test("what an agent sends is validated, errors naming the bad value", () => {
  const base = toWitMessage({ performative: "inform", receivers: [aid("b")] }, "x");
  const cases: [Partial<typeof base>, RegExp][] = [
    [{ receivers: [] }, /receivers: at least one/],
    [
      { receivers: [{ name: "has space", addresses: [], resolvers: [] }] },
      /receivers\.0\.name.*"has space"/,
    ],
    [{ content: { tag: "json", val: "{nope" } }, /content: json is not valid JSON: "\{nope"/],
    [{ replyBy: "tomorrow" }, /reply-by.*"tomorrow"/],
    [{ performative: "shout" as never }, /performative: unknown "shout"/],
    [{ conversationId: "x".repeat(70_000) }, /conversation_id: longer/],
  ];
  for (const [patch, re] of cases) {
    const r = fromWitMessage({ ...base, ...patch }, aid("a"));
    assert.equal(r.ok, false, JSON.stringify(patch).slice(0, 60));
    if (!r.ok) assert.match(r.error, re);
  }
});

Deno.test("memory snapshots encode and decode, and bad bytes are refused", () => {
  const s: MemorySnapshot = {
    hash: "ab".repeat(32),
    instances: [
      {
        memories: [{ index: 0, bytes: Uint8Array.of(1, 2, 3) }],
        globals: [{ index: 0, value: 5 }],
      },
      {
        memories: [],
        globals: [{ index: 1, value: -(2n ** 40n) }, { index: 2, value: NaN }, {
          index: 3,
          value: -0,
        }],
      },
    ],
  };
  const back = decodeMemorySnapshot(encodeMemorySnapshot(s));
  assert.equal(back.hash, s.hash);
  assert.deepEqual([...back.instances[0].memories[0].bytes], [1, 2, 3]);
  assert.equal(back.instances[1].globals[0].value, -(2n ** 40n));
  assert.ok(Number.isNaN(back.instances[1].globals[1].value as number));
  assert.ok(Object.is(back.instances[1].globals[2].value, -0));
  assert.throws(() => decodeMemorySnapshot(new Uint8Array(20)), /magic/);
  const bytes = encodeMemorySnapshot(s);
  assert.throws(() => decodeMemorySnapshot(bytes.slice(0, bytes.length - 1)), /past the end/);
  assert.throws(
    () => decodeMemorySnapshot(encodeMemorySnapshot({ ...s, hash: "nothex" })),
    /hash/,
  );
});

Deno.test("wasm kinds and versioned imports", () => {
  assert.equal(wasmKind(Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0)), "core-module");
  assert.equal(wasmKind(Uint8Array.of(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0)), "component");
  assert.equal(wasmKind(Uint8Array.of(1, 2, 3)), "not-wasm");
  const dts = `export interface ImportObject {\n  'fipa:agent/messaging@0.1.0': typeof A,\n` +
    `  'wasi:io/poll@0.2.10': typeof B,\n}`;
  assert.deepEqual(versionedImports(dts), ["fipa:agent/messaging@0.1.0", "wasi:io/poll@0.2.10"]);
});
