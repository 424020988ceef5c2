import assert from "node:assert/strict";
import { z } from "zod";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  BytesSchema,
  encodeFrame,
  FrameKind,
  MIGRATE_PROTOCOL,
  PING_PROTOCOL,
  RAFT_PROTOCOL,
} from "../../../runtime/net/mod.ts";
import {
  cleanup,
  patternBytes,
  rejectsWithCode,
  sha256,
  sleep,
  startTestNode,
  waitFor,
} from "./_helpers.ts";

const Vote = z.object({
  term: z.number().int(),
  candidate: z.string(),
  blob: BytesSchema.optional(),
});

Deno.test("two nodes: dial, request/response with binary fields, peer events", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const events: string[] = [];
    const off = b.onPeer((e) => events.push(`${e.type}:${e.peerId}`));
    let seenPeer = "";
    await b.handle(RAFT_PROTOCOL, Vote, (vote, ctx) => {
      seenPeer = ctx.peer;
      return { granted: vote.term > 2, echo: vote.blob, protocol: ctx.protocol };
    });
    const address = b.addresses()[0];
    assert.match(address, new RegExp(`^/ip4/127\\.0\\.0\\.1/tcp/\\d+/p2p/${b.peerId}$`));
    assert.equal(await a.dial(address), b.peerId);
    const answer = await a.request(address, RAFT_PROTOCOL, {
      term: 3,
      candidate: "n1",
      blob: new Uint8Array([0, 1, 254, 255]),
    }, {
      responseSchema: z.object({ granted: z.boolean(), echo: BytesSchema, protocol: z.string() }),
    });
    assert.deepEqual(answer, {
      granted: true,
      echo: new Uint8Array([0, 1, 254, 255]),
      protocol: RAFT_PROTOCOL,
    });
    assert.equal(seenPeer, a.peerId);
    // by peer id alone once the address is known
    const second = await a.request(b.peerId, RAFT_PROTOCOL, { term: 1, candidate: "n1" });
    assert.deepEqual(second, { granted: false, protocol: RAFT_PROTOCOL });
    assert.ok(a.connectedPeers().includes(b.peerId));
    await waitFor(() => events.includes(`connect:${a.peerId}`), 5000, "peer connect event");
    off();
    const ca = a.counters();
    assert.ok(ca.framesOut >= 2 && ca.framesIn >= 2);
    assert.ok(ca.bytesOut > 0 && ca.bytesIn > 0);
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("concurrent requests share one stream and are answered out of order", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const Slow = z.object({ n: z.number().int() });
    const gates = new Map<number, () => void>();
    await b.handle(RAFT_PROTOCOL, Slow, async ({ n }) => {
      if (n < 10) await new Promise<void>((resolve) => gates.set(n, resolve));
      return { n, square: n * n };
    });
    const addr = b.addresses()[0];
    const pending = Array.from({ length: 300 }, (_, n) => a.request(addr, RAFT_PROTOCOL, { n }));
    // the first ten are held; all later ones must still complete
    const late = await Promise.all(pending.slice(10));
    assert.deepEqual(
      late.map((r) => (r as { n: number }).n),
      Array.from({ length: 290 }, (_, i) => i + 10),
    );
    await waitFor(() => gates.size === 10, 5000, "held handlers");
    for (let n = 9; n >= 0; n--) gates.get(n)!();
    const early = await Promise.all(pending.slice(0, 10));
    assert.deepEqual(early, Array.from({ length: 10 }, (_, n) => ({ n, square: n * n })));
    // all on one long-lived stream: b saw exactly one inbound stream for the protocol
    const streams = b.libp2p.getConnections(a.libp2p.peerId).flatMap((c) => c.streams)
      .filter((s) => s.protocol === RAFT_PROTOCOL);
    assert.equal(streams.length, 1);
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("handler errors come back as ApiErrors; invalid frames are named and keep the stream", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    await b.handle(RAFT_PROTOCOL, Vote, (vote) => {
      if (vote.candidate === "ghost") {
        throw new ApiError("AGENT_NOT_FOUND", "no such candidate", { candidate: vote.candidate });
      }
      if (vote.candidate === "crash") throw new Error("kaboom");
      return { ok: true };
    });
    const addr = b.addresses()[0];
    const notFound = await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { term: 1, candidate: "ghost" }),
      "AGENT_NOT_FOUND",
    ) as unknown as ApiError;
    assert.ok(notFound instanceof ApiError);
    assert.equal(notFound.details.candidate, "ghost");
    assert.equal(notFound.details.peer, b.peerId);
    await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { term: 1, candidate: "crash" }),
      "INTERNAL_ERROR",
    );
    const invalid = await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { term: "three", candidate: "n1" }),
      "INVALID_REQUEST",
    );
    assert.match(invalid.message, /term/);
    assert.equal(b.counters().invalid, 1);
    // the same stream still serves
    assert.deepEqual(await a.request(addr, RAFT_PROTOCOL, { term: 1, candidate: "n1" }), {
      ok: true,
    });
    assert.equal(b.counters().malformed, 0);
    // a response that fails the caller's schema is rejected on the caller's side
    await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { term: 1, candidate: "n1" }, {
        responseSchema: z.object({ ok: z.string() }),
      }),
      "INTERNAL_ERROR",
    );
    assert.equal(a.counters().invalid, 1);
    // a protocol the peer does not serve
    await rejectsWithCode(a.request(addr, "/fipa-edge/nothing/1.0.0", {}), "UNAVAILABLE");
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("a request times out, is counted, and a late answer is ignored", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    let release!: () => void;
    const held = new Promise<void>((resolve) => release = resolve);
    await b.handle(RAFT_PROTOCOL, z.object({ wait: z.boolean() }), async ({ wait }) => {
      if (wait) await held;
      return { done: true };
    });
    const addr = b.addresses()[0];
    await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { wait: true }, { timeoutMs: 100 }),
      "TIMEOUT",
    );
    assert.equal(a.counters().timeouts, 1);
    release();
    assert.deepEqual(await a.request(addr, RAFT_PROTOCOL, { wait: false }), { done: true });
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("one-way send reaches the handler", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const got: number[] = [];
    await b.handle(RAFT_PROTOCOL, z.object({ n: z.number() }), ({ n }) => {
      got.push(n);
    });
    for (let n = 0; n < 50; n++) await a.send(b.addresses()[0], RAFT_PROTOCOL, { n });
    await waitFor(() => got.length === 50, 5000, "50 one-way frames");
    assert.deepEqual(got, Array.from({ length: 50 }, (_, n) => n));
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("a request to this node itself runs its own handler", async () => {
  const a = await startTestNode();
  try {
    await a.handle(RAFT_PROTOCOL, Vote, (v, ctx) => ({ term: v.term, from: ctx.peer }));
    assert.deepEqual(await a.request(a.peerId, RAFT_PROTOCOL, { term: 4, candidate: "x" }), {
      term: 4,
      from: a.peerId,
    });
    await rejectsWithCode(a.request(a.peerId, RAFT_PROTOCOL, { term: "x" }), "INVALID_REQUEST");
  } finally {
    await cleanup(a);
  }
});

Deno.test("a 20 MB transfer arrives intact in chunks", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const payload = patternBytes(20 * 1024 * 1024);
    const expected = await sha256(payload);
    let chunks = 0;
    let largest = 0;
    await b.handleTransfer(
      MIGRATE_PROTOCOL,
      z.object({ agent: z.string(), size: z.number().int() }),
      async (header, body) => {
        const buf = new Uint8Array(header.size);
        let off = 0;
        for await (const chunk of body) {
          buf.set(chunk, off);
          off += chunk.byteLength;
          chunks++;
          largest = Math.max(largest, chunk.byteLength);
        }
        return { agent: header.agent, received: off, sha256: await sha256(buf.subarray(0, off)) };
      },
    );
    const answer = await a.transfer(b.addresses()[0], MIGRATE_PROTOCOL, {
      agent: "echo@a",
      size: payload.byteLength,
    }, payload);
    assert.deepEqual(answer, { agent: "echo@a", received: payload.byteLength, sha256: expected });
    assert.ok(chunks >= 80, `expected many chunks, got ${chunks}`);
    assert.ok(largest <= 256 * 1024, `chunk of ${largest} bytes exceeds the chunk size`);
    // the RPC channel is untouched by transfers
    assert.ok((await a.ping(b.peerId)) >= 0);
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("a slow receiver holds the sender back (backpressure)", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const total = 64 * 1024 * 1024;
    const piece = 256 * 1024;
    let produced = 0;
    const lazyBody = async function* () {
      const block = patternBytes(piece);
      while (produced < total) {
        produced += piece;
        yield block;
      }
    };
    let open!: () => void;
    const gate = new Promise<void>((resolve) => open = resolve);
    let consumed = 0;
    await b.handleTransfer(MIGRATE_PROTOCOL, z.object({}), async (_h, body) => {
      for await (const chunk of body) {
        consumed += chunk.byteLength;
        if (consumed === chunk.byteLength) await gate; // stall after the first chunk
      }
      return { consumed };
    });
    const done = a.transfer(b.addresses()[0], MIGRATE_PROTOCOL, {}, lazyBody());
    done.catch(() => {}); // awaited below; avoid an unhandled rejection if an assert fails first
    await waitFor(() => produced > 0, 5000, "the transfer to start");
    await sleep(500); // let the sender run into the flow-control limits
    const inFlight = produced - consumed;
    assert.ok(
      produced < total / 2,
      `sender produced ${produced} of ${total} bytes while the receiver was stalled`,
    );
    open();
    assert.deepEqual(await done, { consumed: total });
    console.log(
      `  stalled receiver: at most ${(inFlight / 1048576).toFixed(1)} MiB were in flight`,
    );
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("transfer errors: bad header, handler failure, missing handler", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    await b.handleTransfer(MIGRATE_PROTOCOL, z.object({ size: z.number() }), async (h, body) => {
      let n = 0;
      for await (const c of body) n += c.byteLength;
      if (n !== h.size) throw new ApiError("INVALID_REQUEST", `size ${n} != ${h.size}`);
      return n;
    });
    const addr = b.addresses()[0];
    await rejectsWithCode(
      a.transfer(addr, MIGRATE_PROTOCOL, { size: "x" }, new Uint8Array(10)),
      "INVALID_REQUEST",
    );
    const e = await rejectsWithCode(
      a.transfer(addr, MIGRATE_PROTOCOL, { size: 5 }, new Uint8Array(10)),
      "INVALID_REQUEST",
    );
    assert.match(e.message, /size 10 != 5/);
    assert.equal(
      await a.transfer(addr, MIGRATE_PROTOCOL, { size: 3 }, [new Uint8Array(1), new Uint8Array(2)]),
      3,
    );
    await rejectsWithCode(a.transfer(addr, RAFT_PROTOCOL, {}, new Uint8Array(1)), "UNAVAILABLE");
  } finally {
    await cleanup(a, b);
  }
});

/** Opens a raw stream from `a` to `b` and writes `bytes` on it; resolves when b closes it. */
async function writeRaw(
  a: Awaited<ReturnType<typeof startTestNode>>,
  b: Awaited<ReturnType<typeof startTestNode>>,
  bytes: Uint8Array,
): Promise<string> {
  const stream = await a.libp2p.dialProtocol(
    a.libp2p.getConnections(b.libp2p.peerId)[0].remotePeer,
    RAFT_PROTOCOL,
  );
  const closed = new Promise<string>((resolve) =>
    stream.addEventListener("close", (e) => resolve(e.error?.name ?? "graceful"), { once: true })
  );
  stream.send(bytes);
  return await closed;
}

Deno.test("a malformed frame closes only its stream, is counted, and the node keeps serving", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    await b.handle(RAFT_PROTOCOL, Vote, () => ({ ok: true }));
    const addr = b.addresses()[0];
    assert.deepEqual(await a.request(addr, RAFT_PROTOCOL, { term: 1, candidate: "x" }), {
      ok: true,
    });
    // unknown frame kind
    await writeRaw(a, b, new Uint8Array([0, 0, 0, 5, 77, 0, 0, 0, 1]));
    // a REQUEST whose body is not JSON
    await writeRaw(a, b, encodeFrame(FrameKind.REQUEST, 1, new TextEncoder().encode("{oops")));
    // a RESPONSE sent to the answering side
    await writeRaw(a, b, encodeFrame(FrameKind.RESPONSE, 1, new TextEncoder().encode("{}")));
    await waitFor(() => b.counters().malformed === 3, 5000, "three malformed streams");
    assert.equal(b.counters().oversized, 0);
    // the long-lived stream and the node are fine
    assert.deepEqual(await a.request(addr, RAFT_PROTOCOL, { term: 2, candidate: "x" }), {
      ok: true,
    });
    assert.ok((await b.ping(a.peerId)) >= 0);
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("an oversized frame closes its stream before its body arrives, and is counted", async () => {
  const a = await startTestNode();
  const b = await startTestNode({ maxFrameBytes: 64 * 1024 });
  try {
    await b.handle(RAFT_PROTOCOL, z.object({ blob: BytesSchema }), ({ blob }) => blob.byteLength);
    const addr = b.addresses()[0];
    assert.equal(await a.request(addr, RAFT_PROTOCOL, { blob: new Uint8Array(1000) }), 1000);
    // only a header announcing 64 KiB + 1: the body never comes
    const header = new Uint8Array(9);
    new DataView(header.buffer).setUint32(0, 64 * 1024 + 1);
    header[4] = FrameKind.REQUEST;
    await writeRaw(a, b, header);
    await waitFor(() => b.counters().oversized === 1, 5000, "the oversized count");
    // a real request too big for b's limit (a's limit is larger): its stream dies, a learns
    await rejectsWithCode(
      a.request(addr, RAFT_PROTOCOL, { blob: new Uint8Array(100 * 1024) }),
      "UNAVAILABLE",
    );
    assert.equal(b.counters().oversized, 2);
    // and the next request reopens a stream and works
    assert.equal(await a.request(addr, RAFT_PROTOCOL, { blob: new Uint8Array(10) }), 10);
    // the sender refuses frames above its own limit without touching the wire
    await rejectsWithCode(
      b.request(a.addresses()[0], PING_PROTOCOL, { seq: 1, payload: new Uint8Array(70 * 1024) }),
      "PAYLOAD_TOO_LARGE",
    );
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("a peer that isAllowedPeer refuses can neither connect nor be dialled", async () => {
  const a = await startTestNode();
  const intruder = await startTestNode();
  let allowed = new Set<string>([a.peerId]);
  const c = await startTestNode({ isAllowedPeer: (id) => allowed.has(id) });
  try {
    await c.handle(RAFT_PROTOCOL, z.object({}), () => "hello member");
    assert.equal(await a.request(c.addresses()[0], RAFT_PROTOCOL, {}), "hello member");
    const before = c.counters().refusedPeers;
    const err = await intruder.request(c.addresses()[0], RAFT_PROTOCOL, {}).then(
      () => undefined,
      (e) => e as ApiError,
    );
    assert.ok(err instanceof ApiError, "the intruder must be refused");
    assert.ok(["UNAVAILABLE", "FORBIDDEN"].includes(err.code), err.code);
    assert.ok(c.counters().refusedPeers > before);
    // c may not dial the intruder either
    await rejectsWithCode(
      c.request(intruder.addresses()[0], PING_PROTOCOL, { seq: 1 }),
      "FORBIDDEN",
    );
    // membership changes take effect on the next connection
    allowed = new Set([a.peerId, intruder.peerId]);
    assert.equal(await intruder.request(c.addresses()[0], RAFT_PROTOCOL, {}), "hello member");
  } finally {
    await cleanup(a, intruder, c);
  }
});

Deno.test("identity persists across restarts and requests reconnect to the restarted peer", async () => {
  const a = await startTestNode();
  let b = await startTestNode();
  const dataDir = b.dataDir;
  try {
    await b.handle(RAFT_PROTOCOL, z.object({}), () => "first life");
    assert.equal(await a.request(b.addresses()[0], RAFT_PROTOCOL, {}), "first life");
    const oldId = b.peerId;
    await b.stop();
    await rejectsWithCode(a.request(oldId, RAFT_PROTOCOL, {}, { timeoutMs: 2000 }), "UNAVAILABLE");
    b = await startTestNode({ dataDir });
    assert.equal(b.peerId, oldId, "same data dir, same peer id");
    await b.handle(RAFT_PROTOCOL, z.object({}), () => "second life");
    assert.equal(await a.request(b.addresses()[0], RAFT_PROTOCOL, {}), "second life");
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("stop fails pending requests and refuses new ones", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    await b.handle(RAFT_PROTOCOL, z.object({}), () => new Promise(() => {})); // never answers
    const pending = a.request(b.addresses()[0], RAFT_PROTOCOL, {}, { timeoutMs: 60_000 });
    const outcome = rejectsWithCode(pending, "UNAVAILABLE");
    await waitFor(() => b.counters().framesIn >= 1, 5000, "the request to arrive");
    await a.stop();
    await outcome;
    await rejectsWithCode(a.request(b.peerId, RAFT_PROTOCOL, {}), "UNAVAILABLE");
  } finally {
    await cleanup(a, b);
  }
});

Deno.test("options are validated and name the bad value", async () => {
  const { startNetNode } = await import("../../../runtime/net/mod.ts");
  const e = await rejectsWithCode(
    startNetNode({ dataDir: "/tmp/x", listen: ["/not/a/multiaddr"] }),
    "INVALID_REQUEST",
  );
  assert.match(e.message, /\/not\/a\/multiaddr/);
  await rejectsWithCode(startNetNode({ dataDir: "/tmp/x", listen: 70000 }), "INVALID_REQUEST");
});

Deno.test("raw bytes frames: sent as they are, in order, to a peer and to the node itself", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const got: { bytes: Uint8Array; peer: string }[] = [];
    const onBytes = (bytes: Uint8Array, ctx: { peer: string }) => {
      if (bytes[0] === 0xff) throw new Error("refused by the handler");
      got.push({ bytes: Uint8Array.from(bytes), peer: ctx.peer }); // the frame may be a Buffer
    };
    await b.handleBytes(MIGRATE_PROTOCOL, onBytes);
    const address = b.addresses()[0];
    const big = patternBytes(100_000);
    await a.sendBytes(address, MIGRATE_PROTOCOL, new Uint8Array([1, 2, 3]));
    await a.sendBytes(address, MIGRATE_PROTOCOL, new Uint8Array([0xff])); // dropped, logged
    await a.sendBytes(address, MIGRATE_PROTOCOL, big);
    await waitFor(() => got.length === 2, 5000, "two frames");
    assert.deepEqual(got[0], { bytes: new Uint8Array([1, 2, 3]), peer: a.peerId });
    assert.equal(await sha256(got[1].bytes), await sha256(big));
    await b.sendBytes(b.peerId, MIGRATE_PROTOCOL, new Uint8Array([9]));
    assert.deepEqual(got[2], { bytes: new Uint8Array([9]), peer: b.peerId });
    await rejectsWithCode(
      a.sendBytes(address, MIGRATE_PROTOCOL, new Uint8Array(5 * 1024 * 1024)),
      "PAYLOAD_TOO_LARGE",
    );
  } finally {
    await cleanup(a, b);
  }
});
