import assert from "node:assert/strict";
import { Socket } from "node:net";
import { RAFT_PROTOCOL } from "../../../runtime/net/mod.ts";
import { corkedConnections } from "../../../runtime/net/cork-writes.ts";
import { cleanup, startTestNode } from "./_helpers.ts";

type Writer = (this: Socket, ...args: unknown[]) => unknown;

Deno.test("frames sent to one peer in one turn reach its socket in one write, in order", async () => {
  const a = await startTestNode();
  const b = await startTestNode();
  const proto = Socket.prototype as unknown as { _write: Writer; _writev: Writer };
  const write = proto._write;
  const writev = proto._writev;
  let writes = 0;
  try {
    const got: number[] = [];
    await b.handleBytes(RAFT_PROTOCOL, (body) => void got.push(body[0]));
    const address = b.addresses()[0];
    await a.sendBytes(address, RAFT_PROTOCOL, new Uint8Array([255])); // connection and stream
    for (let i = 0; i < 100 && got.length < 1; i++) await new Promise((r) => setTimeout(r, 10));
    assert.ok(corkedConnections() >= 2, `both ends cork (${corkedConnections()})`);
    got.length = 0;
    proto._write = function (this: Socket, ...args: unknown[]) {
      writes++;
      return write.apply(this, args);
    };
    proto._writev = function (this: Socket, ...args: unknown[]) {
      writes++;
      return writev.apply(this, args);
    };
    const n = 10;
    await Promise.all(
      Array.from({ length: n }, (_, i) => a.sendBytes(address, RAFT_PROTOCOL, new Uint8Array([i]))),
    );
    proto._write = write;
    proto._writev = writev;
    assert.ok(writes <= 2, `${n} frames sent in one turn took ${writes} socket writes`);
    for (let i = 0; i < 200 && got.length < n; i++) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(got, Array.from({ length: n }, (_, i) => i), "all arrived, in order");
  } finally {
    proto._write = write;
    proto._writev = writev;
    await cleanup(a, b);
  }
});
