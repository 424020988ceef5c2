import assert from "node:assert/strict";
import { DirectoryMachine, PeerBook } from "../../../runtime/cluster/mod.ts";
import type { DirectoryCommand } from "../../../runtime/directory/mod.ts";
import type { NetNode } from "../../../runtime/net/mod.ts";

const net = { addresses: () => ["/ip4/127.0.0.1/tcp/1/p2p/self"] } as unknown as NetNode;
let index = 0;
function commit(m: DirectoryMachine, command: DirectoryCommand): void {
  const data = new TextEncoder().encode(
    JSON.stringify({ request_id: `t/${++index}`, command }),
  );
  const r = m.apply({ type: "normal", index, term: 1, data });
  assert.equal(r.ok, true, JSON.stringify(r));
}
const addr = (peer: string) => `/ip4/127.0.0.1/tcp/9/p2p/${peer}`;
const member = (id: string, peer: string) => ({
  type: "member.add" as const,
  member: {
    id,
    addresses: [addr(peer)],
    public_key: new Uint8Array(32).fill(id.length).toBase64(),
    role: "voter" as const,
  },
});

Deno.test("peer book: members, hints and join addresses are trusted, and follow membership changes", () => {
  const m = new DirectoryMachine();
  const book = new PeerBook(m, { id: "self", net, join: [addr("seed")] });
  assert.equal(book.isTrustedPeer("seed"), true, "a join address");
  assert.equal(book.isTrustedPeer("P1"), false);

  commit(m, member("n1", "P1"));
  assert.equal(book.isTrustedPeer("P1"), true, "a member added after the first check");
  commit(m, { type: "member.update", id: "n1", addresses: [addr("P1b")] });
  assert.equal(book.isTrustedPeer("P1"), false, "its old address no longer");
  assert.equal(book.isTrustedPeer("P1b"), true);
  assert.equal(book.addressOf("n1"), addr("P1b"));

  book.heardFrom("n2", "P2");
  assert.equal(book.isTrustedPeer("P2"), true, "an authenticated sender not yet in the directory");
  book.deleteHint("n2");
  assert.equal(book.isTrustedPeer("P2"), false);

  commit(m, { type: "member.remove", id: "n1" });
  assert.equal(book.isTrustedPeer("P1b"), false, "a removed member");

  commit(m, member("n3", "P3"));
  m.restore(new DirectoryMachine().snapshot());
  assert.equal(book.isTrustedPeer("P3"), false, "a restored state replaces the members");
  assert.deepEqual(Object.keys(book.peerTable()), ["self"]);
});
