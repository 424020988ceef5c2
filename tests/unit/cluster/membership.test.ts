import assert from "node:assert/strict";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { CLUSTER_PROTOCOL } from "../../../runtime/cluster/mod.ts";
import { ConfigSchema } from "../../../runtime/config/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { ACL_PROTOCOL, RAFT_PROTOCOL, startNetNode } from "../../../runtime/net/mod.ts";
import { startNode } from "../../../runtime/node/mod.ts";
import { encodeMessage } from "../../../runtime/raft/mod.ts";

const TOKEN = "cluster-secret-0123456789";

async function node(name: string, extra: Record<string, unknown> = {}) {
  const dataDir = await Deno.makeTempDir({ prefix: `fe-${name}-` });
  const n = await startNode(
    ConfigSchema.parse({
      name,
      platform: "p",
      port: 0,
      p2pPort: 0,
      dataDir,
      clusterToken: TOKEN,
      ...extra,
    }),
    silentLogger,
  );
  return { n, dataDir };
}

function waitFor<T>(f: () => T | undefined, ms = 15_000): Promise<T> {
  return pollUntil("a cluster condition", f, { timeoutMs: ms, intervalMs: 50 });
}

Deno.test("only members speak raft and acl; joining needs the cluster token", async () => {
  const a = await node("a");
  const strangerDir = await Deno.makeTempDir();
  const stranger = await startNetNode({ dataDir: strangerDir, listen: 0, host: "127.0.0.1" });
  let b: Awaited<ReturnType<typeof node>> | undefined;
  try {
    await waitFor(() => a.n.cluster.status().leader ?? undefined);
    const target = a.n.net.addresses()[0];
    const refusedBefore = a.n.cluster.refused;
    // Raft frames are one-way: a stranger's is refused (counted), and never reaches Raft (a
    // timeoutNow would make the node campaign in a new term).
    const termBefore = a.n.cluster.status().term;
    await stranger.sendBytes(
      target,
      RAFT_PROTOCOL,
      encodeMessage({ type: "timeoutNow", term: termBefore + 5, from: "a", to: "a" }),
    );
    await waitFor(() => a.n.cluster.refused > refusedBefore || undefined);
    assert.equal(a.n.cluster.status().term, termBefore);
    await assert.rejects(
      stranger.request(target, RAFT_PROTOCOL, { from: "x", m: new Uint8Array([1, 2, 3]) }),
      (e: Error & { code?: string }) => e.code === "NOT_FOUND",
    );
    await assert.rejects(
      stranger.request(target, ACL_PROTOCOL, {
        message_id: "m",
        accepted_at: "x",
        message: {},
        to: "echo",
      }),
      (e: Error & { code?: string }) => e.code === "FORBIDDEN",
    );
    await assert.rejects(
      stranger.request(target, CLUSTER_PROTOCOL, {
        type: "join",
        id: "intruder",
        addresses: stranger.addresses(),
        public_key: stranger.identity.publicKeyBase64,
      }),
      (e: Error & { code?: string }) => e.code === "FORBIDDEN",
    );
    await assert.rejects(
      stranger.request(target, CLUSTER_PROTOCOL, {
        type: "join",
        id: "intruder",
        addresses: stranger.addresses(),
        public_key: stranger.identity.publicKeyBase64,
        token: "wrong-token-0123456789",
      }),
      (e: Error & { code?: string }) => e.code === "FORBIDDEN",
    );
    assert.ok(a.n.cluster.refused >= refusedBefore + 4);

    b = await node("b", { join: [target] });
    await waitFor(() => (a.n.cluster.status().members.voters.includes("b") ? true : undefined));
    assert.ok(a.n.cluster.isTrustedPeer(b.n.net.peerId));
    assert.ok(!a.n.cluster.isTrustedPeer(stranger.peerId));
  } finally {
    await b?.n.stop();
    await a.n.stop();
    await stranger.stop();
    for (const d of [a.dataDir, b?.dataDir, strangerDir]) {
      if (d) await Deno.remove(d, { recursive: true });
    }
  }
});
