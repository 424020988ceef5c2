// A node stops (cleanly) while one of its agents moves to another node. Before the move's
// `agent.move` was proposed, the move is undone: the agent continues on the node, once. Once
// proposed, the node cannot know whether it committed when it stops before the answer: it
// must not resume the agent nor have the target drop it (the move may have committed, and
// the target then runs it), and its restart settles the move from the intent it stored:
// here the move had committed, so the restarted node hands the agent's held messages to the
// target and forgets it. Real agent manager (fake sandbox), snapshot keeper, held log and
// KV; the source half of the migration protocol as the node runs it (`Outgoing`); the
// directory (real state machine), its commit answers and the target node are fakes.
import assert from "node:assert/strict";
import { generateKeyPair } from "@libp2p/crypto/keys";
import { aid } from "../../../runtime/acl/mod.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import {
  apply,
  type ApplyResult,
  createDirectoryState,
  type DirectoryCommand,
  type DirectoryState,
  getAgent,
} from "../../../runtime/directory/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import {
  type ClusterPort,
  intentKey,
  KvHeldLog,
  Outgoing,
  SnapshotKeeper,
} from "../../../runtime/migration/mod.ts";
import { identityFromKey, type NetNode, type NodeIdentity } from "../../../runtime/net/mod.ts";
import { newMessageId } from "../../../runtime/routing/mod.ts";
import { type Harness, harness } from "../agents/harness.ts";

const AT = "2026-01-01T00:00:00.000Z";

/** The directory as n1 sees it, whose commit answers may be lost (`loseAnswers`). */
class Directory implements ClusterPort {
  readonly id = "n1";
  readonly machine: ClusterPort["machine"];
  readonly proposed: DirectoryCommand[] = [];
  /** While set, a proposal commits but its answer never comes (until the node stops). */
  loseAnswers = false;
  readonly #lost: ((e: Error) => void)[] = [];

  constructor(readonly state: DirectoryState) {
    this.machine = { state, onEvents: () => () => {} };
  }

  propose(cmd: DirectoryCommand): Promise<ApplyResult> {
    this.proposed.push(cmd);
    const r = apply(this.state, cmd);
    if (!this.loseAnswers) return Promise.resolve(r);
    return new Promise((_, reject) => this.#lost.push(reject));
  }

  /** The node stops: its proposals waiting for an answer fail. */
  stop(): void {
    for (const reject of this.#lost.splice(0)) reject(new Error("node is shutting down"));
  }

  linearizableRead(): Promise<void> {
    return Promise.resolve();
  }

  addressOf(id: string): string {
    return `/peer/${id}`;
  }
}

/** The target node n2 as n1's network sees it: what it was sent. */
function target(opts: { transfer?: (signal: AbortSignal) => Promise<unknown> } = {}) {
  const requests: { type: string; agent: string; messages?: unknown[] }[] = [];
  const stopped = new AbortController();
  const net = {
    request: (_addr: string, _proto: string, body: { type: string; agent: string }) => {
      requests.push(body);
      if (body.type === "offer") return Promise.resolve({ need_component: false });
      if (body.type === "release") return Promise.resolve({ delivered: 0 });
      return Promise.resolve({ ok: true });
    },
    transfer: (_addr: string, _proto: string, header: { type: string; agent: string }) => {
      requests.push(header);
      return opts.transfer?.(stopped.signal) ?? Promise.resolve({ ready: true });
    },
  } as unknown as NetNode;
  return { net, requests, stopped };
}

async function identity(): Promise<NodeIdentity> {
  return await identityFromKey(await generateKeyPair("Ed25519"));
}

/** Node n1 on `kv`: its manager, with the snapshot keeper and held log a node has. */
async function nodeOn(kv: Deno.Kv, id: NodeIdentity, state: DirectoryState) {
  const keeper = new SnapshotKeeper({
    kv,
    signer: { id: "n1", sign: (b) => id.sign(b) },
    keyOf: (n) => state.members.get(n)?.public_key,
  });
  const held = new KvHeldLog(kv);
  const h = await harness({ kv, snapshots: keeper, held });
  return { h, keeper, held };
}

/** n1 with agent `mover` deployed and counting to 2, and n2, both members. */
async function setUp() {
  const kv = await Deno.openKv(":memory:");
  const [id1, id2] = [await identity(), await identity()];
  const state = createDirectoryState();
  for (const [node, id] of [["n1", id1], ["n2", id2]] as const) {
    apply(state, {
      type: "member.add",
      member: { id: node, addresses: [], public_key: id.publicKeyBase64, role: "voter" },
    });
  }
  const node = await nodeOn(kv, id1, state);
  await node.h.deploy("mover");
  const rec = node.h.agents.get("mover");
  apply(state, {
    type: "agent.register",
    name: "mover",
    node: "n1",
    state: "running",
    manifest: { capabilities: [], limits: {} },
    component_hash: rec.hash,
    at: AT,
  });
  for (let i = 0; i < 2; i++) await node.h.send("mover", "tick", { await_handled: true });
  return { kv, id1, state, directory: new Directory(state), ...node };
}

function outgoing(h: Harness, rest: {
  directory: Directory;
  net: NetNode;
  keeper: SnapshotKeeper;
  held: KvHeldLog;
  kv: Deno.Kv;
}, signal: AbortSignal): Outgoing {
  return new Outgoing({
    cluster: rest.directory,
    net: rest.net,
    agents: h.agents,
    store: { original: () => Promise.resolve(undefined) } as never,
    keeper: rest.keeper,
    held: rest.held,
    kv: rest.kv,
    log: silentLogger,
  }, signal);
}

Deno.test("stop mid-move: stopped while the move's commit is unanswered, the node neither resumes the agent nor has the target drop it; its restart hands it over", async () => {
  const n = await setUp();
  const { net, requests } = target();
  const stop = new AbortController();
  const source = outgoing(n.h, { ...n, net }, stop.signal);
  n.directory.loseAnswers = true;
  const moving = source.migrate("mover", "n2").then(() => undefined, (e) => e as Error);
  await pollUntil("the move proposed", () => n.directory.proposed.length > 0 || undefined);
  // The commit went through; its answer never reaches n1, which stops now.
  assert.equal(getAgent(n.state, "mover")?.node, "n2");
  stop.abort();
  n.directory.stop();
  const refused = await moving;
  await source.settle();
  // An at-least-once message that arrives before the node is down is held (durably).
  await n.h.router.route({
    message_id: newMessageId(),
    message: { performative: "inform", receivers: [aid("mover")], content: "late" },
    accepted_at: new Date().toISOString(),
    origin: "http",
    mode: "at-least-once",
  });
  assert.deepEqual(
    requests.map((r) => r.type),
    ["offer", "snapshot"],
    "the target is not told to drop an agent it may own now",
  );
  assert.deepEqual(
    n.h.sandbox.live("mover").map((i) => i.received.map((m) => m.content)),
    [["tick", "tick"]],
    "paused: the message is held, not handled on the node the agent may have left",
  );
  assert.equal((await n.kv.get(intentKey("mover"))).value !== null, true, "the intent is kept");
  assert.match(String(refused), /'mover'.*settled when the node restarts/);
  await n.h.agents.close({ snapshotBudgetMs: 0 });

  // The node restarts: the move is in doubt; the directory has the agent on n2.
  n.directory.loseAnswers = false;
  const again = await nodeOn(n.kv, n.id1, n.state);
  const inDoubt: string[] = [];
  for await (const e of n.kv.list({ prefix: ["migration-intent"] })) inDoubt.push(String(e.key[1]));
  assert.deepEqual(inDoubt, ["mover"]);
  await again.h.agents.restore({ inDoubt });
  const after = target();
  const recovery = outgoing(
    again.h,
    { ...n, ...again, net: after.net },
    new AbortController().signal,
  );
  const intent = (await n.kv.get<{ to: string; nonce: string; at: string }>(intentKey("mover")))
    .value!;
  await recovery.recover("mover", intent);
  await recovery.settle();
  assert.equal(again.h.agents.has("mover"), false, "n1 no longer has it: it runs on n2 only");
  assert.deepEqual(again.h.sandbox.live("mover"), []);
  const release = after.requests.find((r) => r.type === "release");
  assert.equal(release?.messages?.length, 1, "the message held at the stop goes to n2");
  assert.equal((await n.kv.get(intentKey("mover"))).value, null);
  await again.h.close();
});

Deno.test("stop mid-move: stopped before the move was proposed, the move is undone and the agent continues on the node, once", async () => {
  const n = await setUp();
  // The snapshot's transfer is under way when the node stops.
  const { net, requests, stopped } = target({
    transfer: (signal) =>
      new Promise((_, reject) =>
        signal.addEventListener("abort", () => reject(new Error("stream closed")))
      ),
  });
  const stop = new AbortController();
  const source = outgoing(n.h, { ...n, net }, stop.signal);
  const moving = source.migrate("mover", "n2").then(() => undefined, (e) => e as Error);
  await pollUntil("the snapshot sent", () => requests.length > 1 || undefined);
  stop.abort();
  stopped.abort();
  assert.match(String(await moving), /stream closed/);
  await source.settle();
  assert.deepEqual(n.directory.proposed, [], "nothing proposed");
  assert.equal(getAgent(n.state, "mover")?.node, "n1");
  assert.equal((await n.kv.get(intentKey("mover"))).value, null);
  assert.deepEqual(requests.map((r) => r.type), ["offer", "snapshot", "abort"]);
  await n.h.send("mover", "tick", { await_handled: true });
  const live = n.h.sandbox.live("mover");
  assert.equal(live.length, 1, "one instance");
  assert.equal(live[0].count, 3, "its count continued");
  await n.h.close();
});
