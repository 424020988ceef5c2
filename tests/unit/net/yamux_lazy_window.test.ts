import assert from "node:assert/strict";
import { Socket } from "node:net";
import { z } from "zod";
import { RAFT_PROTOCOL } from "../../../runtime/net/mod.ts";
import { lazyWindowStreams } from "../../../runtime/net/yamux-lazy-window.ts";
import { cleanup, patternBytes, startTestNode } from "./_helpers.ts";

Deno.test("a small message costs one socket write, not one plus a window update", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  const write = Socket.prototype.write;
  let writes = 0;
  try {
    await b.handle(RAFT_PROTOCOL, z.object({ i: z.number() }), (m) => ({ i: m.i }));
    const address = b.addresses()[0];
    await a.request(address, RAFT_PROTOCOL, { i: -1 }); // the connection and its handshake
    assert.ok(lazyWindowStreams() >= 2, `both ends' streams send lazily (${lazyWindowStreams()})`);
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      writes++;
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof Socket.prototype.write;
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await a.request(address, RAFT_PROTOCOL, { i }), { i });
    }
    Socket.prototype.write = write;
    // A request and its answer: two writes (four with a window update after each frame).
    assert.ok(writes <= 44, `20 round trips took ${writes} socket writes`);
  } finally {
    Socket.prototype.write = write;
    await cleanup(a, b);
  }
});

Deno.test("flow control still works: many times the window crosses a stream intact", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  try {
    const got: number[] = [];
    await b.handleBytes(RAFT_PROTOCOL, (body) => void got.push(body.byteLength));
    const address = b.addresses()[0];
    const chunk = patternBytes(60 * 1024);
    const n = 100; // ~6 MB through one stream: far beyond its 256 KiB initial window
    for (let i = 0; i < n; i++) await a.sendBytes(address, RAFT_PROTOCOL, chunk);
    for (let i = 0; i < 500 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.equal(got.length, n);
    assert.ok(got.every((x) => x === chunk.byteLength));
  } finally {
    await cleanup(a, b);
  }
});
