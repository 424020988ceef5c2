// Over the wire: a target refuses tampered, forged, unsigned and replayed snapshots with a
// clear error, counts them, and the agent stays safe (and counting) at its source.
import assert from "node:assert/strict";
import { generateKeyPair } from "@libp2p/crypto/keys";
import {
  encodeSeal,
  encodeSnapshot,
  parseSeal,
  sealSnapshot,
} from "../../../runtime/migration/mod.ts";
import { identityFromKey, MIGRATE_PROTOCOL } from "../../../runtime/net/mod.ts";
import { deploy, locationOf, Probe, startCluster, stopAll } from "./helpers.ts";

Deno.test("tampered, forged, unsigned and replayed snapshots are refused; the agent stays home", async () => {
  const [a, b] = await startCluster(["ra", "rb"], { seed: ["tiny-counter.wasm"] });
  const probe = new Probe(a);
  try {
    await deploy(a, "tiny-counter.wasm", { name: "safe" });
    assert.equal(await probe.ask("safe@mp"), 1);
    const hop = { from: "ra", to: "rb", at: new Date().toISOString(), nonce: "00".repeat(32) };
    const capture = await a.n.agents.pauseForMove("safe", hop);
    await a.n.agents.resumeAfterMove("safe");
    const keeper = a.n.migration.deps.keeper;
    const meta = keeper.meta("migration", "rb");
    const genuine = await keeper.seal(capture, meta);
    const to = b.n.net.addresses()[0];
    const send = (bytes: Uint8Array, nonce = meta.nonce) =>
      a.n.net.transfer(to, MIGRATE_PROTOCOL, {
        type: "snapshot",
        agent: "safe",
        nonce,
        from: "ra",
      }, bytes);
    const refused = async (bytes: Uint8Array, reason: string, nonce?: string) => {
      await assert.rejects(
        send(bytes, nonce),
        (e: Error & { code?: string; details?: Record<string, unknown> }) => {
          assert.equal(e.details?.reason, reason, e.message);
          assert.match(e.message, /Snapshot refused/);
          return true;
        },
      );
    };

    const tampered = genuine.bytes.slice();
    tampered[tampered.length - 5] ^= 1;
    await refused(tampered, "hash-mismatch");
    const stranger = await identityFromKey(await generateKeyPair("Ed25519"));
    await refused(
      await sealSnapshot(encodeSnapshot(genuine.snapshot), { id: "ra", sign: stranger.sign }),
      "bad-signature",
    );
    await refused(
      await sealSnapshot(
        encodeSnapshot({ ...genuine.snapshot, meta: { ...meta, source: "mallory" } }),
        {
          id: "mallory",
          sign: stranger.sign,
        },
      ),
      "unknown-signer",
    );
    await refused(encodeSnapshot(genuine.snapshot), "unsigned");
    const seal = parseSeal(genuine.bytes);
    await refused(encodeSeal({ ...seal, signature: new Uint8Array(64) }), "bad-signature");

    // The genuine one is accepted once (then the move is called off) and refused as a replay.
    assert.deepEqual(await send(genuine.bytes), { ready: true });
    await a.n.net.request(to, MIGRATE_PROTOCOL, {
      type: "abort",
      agent: "safe",
      nonce: meta.nonce,
    });
    assert.ok(!b.n.agents.has("safe"));
    await refused(genuine.bytes, "replayed");

    const m = await b.n.metrics.registry.getSingleMetric("fipa_edge_refused_snapshots_total")
      ?.get();
    const byReason = Object.fromEntries((m?.values ?? []).map((v) => [v.labels.reason, v.value]));
    assert.deepEqual(byReason, {
      "hash-mismatch": 1,
      "bad-signature": 2,
      "unknown-signer": 1,
      "unsigned": 1,
      "replayed": 1,
    });
    // Nothing moved: the agent is where it was and keeps counting.
    assert.equal(locationOf(a, "safe"), "ra");
    assert.equal(locationOf(b, "safe"), "ra");
    assert.equal(await probe.ask("safe@mp"), 2);

    // A real move still works afterwards.
    await a.n.migration.migrate("safe", "rb");
    assert.equal(await probe.ask("safe@mp"), 3);
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});
