import assert from "node:assert/strict";
import { Socket } from "node:net";
import { z } from "zod";
import { RAFT_PROTOCOL } from "../../../runtime/net/mod.ts";
import { coalescedConnections } from "../../../runtime/net/noise-one-write.ts";
import { cleanup, startTestNode } from "./_helpers.ts";

Deno.test("each encrypted frame reaches the socket in one write (no lone 2-byte noise length)", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  const write = Socket.prototype.write;
  const sizes: number[] = [];
  try {
    await b.handle(RAFT_PROTOCOL, z.object({ i: z.number() }), (m) => ({ i: m.i }));
    const address = b.addresses()[0];
    await a.request(address, RAFT_PROTOCOL, { i: -1 }); // the connection and its handshake
    const before = coalescedConnections();
    assert.ok(before >= 2, `both ends of the connection coalesce (${before})`);
    Socket.prototype.write = function (this: Socket, ...args: unknown[]) {
      const chunk = args[0];
      if (chunk instanceof Uint8Array) sizes.push(chunk.byteLength);
      return (write as (...a: unknown[]) => boolean).apply(this, args);
    } as typeof Socket.prototype.write;
    for (let i = 0; i < 20; i++) {
      assert.deepEqual(await a.request(address, RAFT_PROTOCOL, { i }), { i });
    }
    assert.ok(sizes.length >= 40, `requests and answers were written (${sizes.length} writes)`);
    assert.deepEqual(sizes.filter((n) => n <= 2), [], "no write of a length prefix alone");
  } finally {
    Socket.prototype.write = write;
    await cleanup(a, b);
  }
});
