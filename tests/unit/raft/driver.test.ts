import assert from "node:assert/strict";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import {
  confOf,
  decodeMessage,
  encodeMessage,
  KvStorage,
  MemoryStorage,
  type Message,
  type NormalEntry,
  RaftDriver,
  RaftError,
  type RaftStateMachine,
} from "../../../runtime/raft/mod.ts";

const dec = new TextDecoder();
const enc = new TextEncoder();

/** A key-value state machine; apply returns the previous value. */
class KvSm implements RaftStateMachine<string | null> {
  map = new Map<string, string>();
  apply(e: NormalEntry): string | null {
    const { key, value } = JSON.parse(dec.decode(e.data));
    const prev = this.map.get(key) ?? null;
    this.map.set(key, value);
    return prev;
  }
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify([...this.map]));
  }
  restore(data: Uint8Array): void {
    this.map = new Map(JSON.parse(dec.decode(data)));
  }
}

/** An in-process network: messages go through the wire codec and arrive in a later task. */
class Bus {
  drivers = new Map<string, RaftDriver<string | null>>();
  down = new Set<string>();
  transport(from: string) {
    return {
      send: (to: string, msg: Message) => {
        if (this.down.has(from) || this.down.has(to)) throw new Error(`${to} unreachable`);
        const frame = encodeMessage(msg);
        queueMicrotask(() => this.drivers.get(to)?.receive(decodeMessage(frame)));
      },
    };
  }
  async settle(rounds = 20): Promise<void> {
    for (let i = 0; i < rounds; i++) {
      await Promise.all([...this.drivers.values()].map((d) => d.whenIdle()));
      await new Promise((r) => setTimeout(r, 0));
    }
  }
  async tick(n = 1): Promise<void> {
    for (let i = 0; i < n; i++) {
      for (const [id, d] of this.drivers) if (!this.down.has(id)) d.tick();
      await this.settle(3);
    }
  }
  leader(): RaftDriver<string | null> | undefined {
    return [...this.drivers.values()].find((d) => d.status().role === "leader");
  }
  async stop(): Promise<void> {
    for (const d of this.drivers.values()) await d.stop();
  }
}

const put = (key: string, value: string) => JSON.stringify({ key, value });

async function startCluster(ids: string[], checkQuorum = true) {
  const bus = new Bus();
  const sms = new Map<string, KvSm>();
  for (const id of ids) {
    const sm = new KvSm();
    sms.set(id, sm);
    const d = await RaftDriver.open({
      id,
      storage: new MemoryStorage(),
      transport: bus.transport(id),
      stateMachine: sm,
      initialVoters: ids,
      tickMs: 0,
      raft: { electionTicks: 10, checkQuorum },
      requestTimeoutTicks: 30,
    });
    bus.drivers.set(id, d);
    d.start();
  }
  return { bus, sms };
}

async function electedLeader(bus: Bus) {
  for (let i = 0; i < 60 && !bus.leader(); i++) await bus.tick();
  const leader = bus.leader();
  assert.ok(leader, "a leader was elected");
  return leader;
}

Deno.test("driver: proposals resolve with their result; reads are linearizable", async () => {
  const { bus, sms } = await startCluster(["a", "b", "c"]);
  try {
    const leader = await electedLeader(bus);
    assert.equal(await leader.propose(put("k", "1")), null);
    assert.equal(await leader.propose(put("k", "2")), "1");
    // A follower's read sees the acknowledged write once it returns.
    const follower = [...bus.drivers.values()].find((d) => d !== leader)!;
    const index = await follower.linearizableRead();
    assert.ok(index >= 3);
    assert.equal(sms.get(follower.id)!.map.get("k"), "2");
    const st = leader.status();
    assert.equal(st.role, "leader");
    assert.deepEqual(st.members, { voters: ["a", "b", "c"], learners: [] });
    assert.deepEqual(Object.keys(st.matchIndex).sort(), ["a", "b", "c"]);
    assert.equal(st.matchIndex[leader.id], st.lastIndex);
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: a follower refuses proposals, naming the leader", async () => {
  const { bus } = await startCluster(["a", "b", "c"]);
  try {
    const leader = await electedLeader(bus);
    const follower = [...bus.drivers.values()].find((d) => d !== leader)!;
    await assert.rejects(() => follower.propose(put("k", "v")), (e: unknown) => {
      assert.ok(e instanceof RaftError);
      assert.equal(e.code, "NOT_LEADER");
      assert.equal(e.leader, leader.id);
      return true;
    });
    await assert.rejects(
      () => leader.propose(new Uint8Array(100_000)),
      (e: unknown) =>
        e instanceof RaftError && e.code === "TOO_LARGE" && e.details.size === 100_000,
    );
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: a proposal without a quorum times out; stop fails what is left", async () => {
  const { bus } = await startCluster(["a", "b", "c"], false);
  try {
    const leader = await electedLeader(bus);
    for (const id of bus.drivers.keys()) if (id !== leader.id) bus.down.add(id);
    const timedOut = leader.propose(put("k", "lost?"));
    const rejected = assert.rejects(
      timedOut,
      (e: unknown) => e instanceof RaftError && e.code === "TIMEOUT",
    );
    await bus.tick(31);
    await rejected;
    const pending = leader.propose(put("k", "never")).catch((e) => e);
    await leader.stop();
    const err = await pending;
    assert.ok(err instanceof RaftError && err.code === "STOPPED");
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: membership change adds a fresh node that catches up", async () => {
  const { bus } = await startCluster(["a", "b", "c"]);
  try {
    const leader = await electedLeader(bus);
    for (let i = 0; i < 5; i++) await leader.propose(put(`k${i}`, `v${i}`));
    const sm = new KvSm();
    const d = await RaftDriver.open({
      id: "d",
      storage: new MemoryStorage(),
      transport: bus.transport("d"),
      stateMachine: sm,
      tickMs: 0,
    });
    bus.drivers.set("d", d);
    d.start();
    const conf = await leader.proposeConfChange({ type: "addLearner", node: "d" });
    assert.deepEqual(conf.learners, ["d"]);
    await leader.proposeConfChange({ type: "addVoter", node: "d" });
    await bus.tick(3);
    assert.equal(sm.map.get("k4"), "v4");
    assert.deepEqual(d.status().members.voters, ["a", "b", "c", "d"]);
    await assert.rejects(
      () => leader.proposeConfChange({ type: "addVoter", node: "d" }),
      (e: unknown) => e instanceof RaftError && e.code === "INVALID_CONF_CHANGE",
    );
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: a node reopened from its KV file resumes where it stopped", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raft-driver-" });
  const path = `${dir}/node.kv`;
  try {
    const run = async (fn: (d: RaftDriver<string | null>, sm: KvSm) => Promise<void>) => {
      const storage = await KvStorage.open(path);
      const sm = new KvSm();
      const d = await RaftDriver.open({
        id: "solo",
        storage,
        transport: { send: () => {} },
        stateMachine: sm,
        initialVoters: ["solo"],
        tickMs: 0,
        snapshotThreshold: 4,
      });
      d.start();
      try {
        await fn(d, sm);
      } finally {
        await d.stop();
        storage.close();
      }
    };
    let term = 0;
    await run(async (d) => {
      for (let i = 0; i < 10; i++) await d.propose(put("k", `v${i}`));
      term = d.status().term;
      assert.ok(d.status().snapshotIndex > 0, "compacted");
    });
    await run(async (d, sm) => {
      await d.whenIdle();
      for (let i = 0; i < 3 && d.status().role !== "leader"; i++) d.tick();
      await d.linearizableRead();
      assert.equal(sm.map.get("k"), "v9", "snapshot + log replayed");
      assert.ok(d.status().term > term, "a new term after the restart");
      assert.equal(await d.propose(put("k", "v10")), "v9");
    });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** Memory storage that counts the snapshots read back from it. */
class CountingStorage extends MemoryStorage {
  reads = 0;
  override readSnapshot() {
    this.reads++;
    return super.readSnapshot();
  }
}

/** KV storage that counts the snapshots read back from it. */
class CountingKvStorage extends KvStorage {
  reads = 0;
  override readSnapshot() {
    this.reads++;
    return super.readSnapshot();
  }
}

/**
 * Three nodes on `storage(id)` (snapshot every 5 entries); one is down while the leader
 * writes and compacts past it, then comes back: it must catch up by a snapshot that the
 * leader reads back from its storage (the log no longer holds the bytes).
 */
async function lagBehindSnapshot(
  storage: (id: string) => Promise<MemoryStorage & { reads: number } | CountingKvStorage>,
): Promise<void> {
  const bus = new Bus();
  const sms = new Map<string, KvSm>();
  const storages = new Map<string, { reads: number }>();
  try {
    for (const id of ["a", "b", "c"]) {
      const sm = new KvSm();
      const s = await storage(id);
      sms.set(id, sm);
      storages.set(id, s);
      const d = await RaftDriver.open({
        id,
        storage: s,
        transport: bus.transport(id),
        stateMachine: sm,
        initialVoters: ["a", "b", "c"],
        tickMs: 0,
        raft: { electionTicks: 10 },
        requestTimeoutTicks: 30,
        snapshotThreshold: 5,
      });
      bus.drivers.set(id, d);
      d.start();
    }
    const leader = await electedLeader(bus);
    const lagging = ["a", "b", "c"].find((id) => id !== leader.id)!;
    bus.down.add(lagging);
    for (let i = 0; i < 12; i++) await leader.propose(put(`k${i}`, `v${i}`));
    assert.ok(leader.status().snapshotIndex >= 10, "the leader compacted past the lagging node");
    bus.down.delete(lagging);
    for (let i = 0; i < 30 && sms.get(lagging)!.map.get("k11") !== "v11"; i++) await bus.tick();
    assert.deepEqual(sms.get(lagging)!.map, sms.get(leader.id)!.map, "caught up by snapshot");
    assert.ok(storages.get(leader.id)!.reads > 0, "the leader read its stored snapshot back");
    assert.ok(
      bus.drivers.get(lagging)!.status().snapshotIndex >= leader.status().snapshotIndex - 5,
      "the follower stored the snapshot it installed",
    );
    assert.equal(await leader.propose(put("k0", "w")), "v0", "and the cluster goes on");
  } finally {
    await bus.stop();
  }
}

Deno.test("driver: a lagging follower gets the snapshot read back from storage, not kept in memory", async () => {
  await lagBehindSnapshot(() => Promise.resolve(new CountingStorage()));
});

Deno.test("driver: ... the same on KV storage, closed only after the reads in flight", async () => {
  const dir = await Deno.makeTempDir({ prefix: "raft-driver-snap-" });
  const opened: KvStorage[] = [];
  try {
    await lagBehindSnapshot(async (id) => {
      const s = new CountingKvStorage(await Deno.openKv(`${dir}/${id}.kv`), {}, true);
      opened.push(s);
      return s;
    });
  } finally {
    for (const s of opened) s.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("driver: a reopened node applies what it knew committed before it starts ticking", async () => {
  // Its shell decides on the state machine as it starts (a node restores its agents by the
  // directory), before any tick or peer: what it knew committed when it stopped must be there.
  // Three entries in its log, two known committed (the third awaits the leader's word).
  const entry = (index: number, value: string) => ({
    type: "normal" as const,
    index,
    term: 1,
    data: enc.encode(put("k", value)),
  });
  const storage = new MemoryStorage({
    hardState: { term: 1, vote: "a", commit: 2 },
    snapshot: {
      meta: { index: 0, term: 0, conf: confOf(["a", "b", "c"]) },
      data: new Uint8Array(),
    },
    entries: [entry(1, "v1"), entry(2, "v2"), entry(3, "v3")],
  });
  const sm = new KvSm();
  const d = await RaftDriver.open({
    id: "b",
    storage,
    transport: { send: () => {} },
    stateMachine: sm,
    tickMs: 0,
  });
  try {
    await d.appliedAsAtOpen();
    assert.equal(sm.map.get("k"), "v2");
    assert.equal(d.status().appliedIndex, 2);
  } finally {
    await d.stop();
  }
});

Deno.test("driver: the tick timer comes from the injected timers and stops with the node", async () => {
  const timers = new ManualTimers();
  const d = await RaftDriver.open({
    id: "x",
    storage: new MemoryStorage(),
    transport: { send: () => {} },
    stateMachine: new KvSm(),
    initialVoters: ["x", "y", "z"],
    tickMs: 50,
    timers,
    raft: { electionTicks: 5 },
  });
  d.start();
  assert.equal(timers.pending, 1, "one tick timer");
  timers.advance(20 * 50);
  await d.whenIdle();
  assert.notEqual(d.status().role, "follower", "the ticks drove an election attempt");
  await d.stop();
  assert.equal(timers.pending, 0, "the tick timer is cleared on stop");
});

/** Memory storage whose saves wait for `release()` while `hold` is set. */
class GatedStorage extends MemoryStorage {
  hold = false;
  #waiting: (() => void)[] = [];
  override save(update: Parameters<MemoryStorage["save"]>[0]): Promise<void> {
    if (!this.hold) {
      super.save(update);
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.#waiting.push(() => {
        super.save(update);
        resolve();
      });
    });
  }
  get pending(): number {
    return this.#waiting.length;
  }
  release(): void {
    const w = this.#waiting;
    this.#waiting = [];
    for (const f of w) f();
  }
}

Deno.test("driver: a leader's appends go out before its save, votes only after; it commits only once durable", async () => {
  const storage = new GatedStorage();
  const sent: Message[] = [];
  const d = await RaftDriver.open({
    id: "a",
    storage,
    transport: { send: (_to, m) => void sent.push(m) },
    stateMachine: new KvSm(),
    initialVoters: ["a", "b", "c"],
    tickMs: 0,
    raft: { electionTicks: 10, preVote: false },
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  storage.hold = true;

  // A vote request promises this node's new term and vote: it waits for the save.
  d.campaign();
  await flush();
  assert.equal(storage.pending, 1);
  assert.equal(sent.length, 0);
  storage.release();
  await d.whenIdle();
  assert.deepEqual(sent.map((m) => m.type), ["vote", "vote"]);
  sent.length = 0;

  // Elected: its first entry is sent to the followers while its own save is in progress.
  d.receive({ type: "voteResp", from: "b", to: "a", term: 1, granted: true });
  await flush();
  assert.equal(storage.pending, 1, "the leader's save of its entry is in progress");
  assert.deepEqual(sent.map((m) => `${m.type}->${m.to}`).sort(), ["append->b", "append->c"]);

  // A follower's ack alone does not commit: the leader's own copy is not durable yet.
  d.receive({
    type: "appendResp",
    from: "b",
    to: "a",
    term: 1,
    index: 1,
    reject: false,
    rejectHint: 0,
    logTerm: 0,
  });
  await flush();
  assert.equal(d.status().commitIndex, 0);
  storage.hold = false;
  storage.release();
  await d.whenIdle();
  await flush();
  assert.equal(d.status().commitIndex, 1, "committed once the leader's save completed");
  await d.stop();
});

Deno.test("driver: a committed entry is applied and answered while the next batch is being saved", async () => {
  const storage = new GatedStorage();
  const d = await RaftDriver.open({
    id: "a",
    storage,
    transport: { send: () => {} },
    stateMachine: new KvSm(),
    initialVoters: ["a", "b", "c"],
    tickMs: 0,
    raft: { electionTicks: 10, preVote: false },
  });
  const flush = () => new Promise((r) => setTimeout(r, 0));
  const ack = (index: number) =>
    d.receive({
      type: "appendResp",
      from: "b",
      to: "a",
      term: 1,
      index,
      reject: false,
      rejectHint: 0,
      logTerm: 1,
    });
  d.campaign();
  await d.whenIdle();
  d.receive({ type: "voteResp", from: "b", to: "a", term: 1, granted: true });
  await d.whenIdle();
  ack(1);
  await d.whenIdle();
  assert.equal(d.status().commitIndex, 1);

  storage.hold = true;
  let xDone = false;
  const x = d.propose(put("x", "1")).then((r) => {
    xDone = true;
    return r;
  });
  await flush();
  assert.equal(storage.pending, 1, "x is being saved");
  ack(2);
  const y = d.propose(put("y", "1")); // queued behind x's save
  await flush();
  storage.release(); // x is durable here and on b: committed; y's save starts
  for (let i = 0; i < 5 && !xDone; i++) await flush();
  assert.equal(storage.pending, 1, "y is being saved");
  assert.ok(xDone, "x was answered while y's save was in progress");
  assert.equal(await x, null);
  assert.equal(d.status().appliedIndex, 1, "the core learns of the apply with the cycle");
  storage.hold = false;
  storage.release();
  ack(3);
  assert.equal(await y, null);
  await d.stop();
});

/** Memory storage whose saves take a while, recording what each save held. */
class SlowStorage extends MemoryStorage {
  saves: { entries: number; hard: boolean }[] = [];
  override async save(u: Parameters<MemoryStorage["save"]>[0]): Promise<void> {
    this.saves.push({ entries: u.entries.length, hard: u.hardState !== undefined });
    await new Promise((r) => setTimeout(r, 5));
    super.save(u);
  }
}

/**
 * Starts a, b and c on `bus` with {@link SlowStorage}s, `stateMachine()` each, and the
 * transport `wrap` makes of each one's bus transport. Returns the storages by id.
 */
async function startSlowTrio(
  bus: Bus,
  stateMachine: () => KvSm,
  wrap: (t: ReturnType<Bus["transport"]>) => ReturnType<Bus["transport"]> = (t) => t,
): Promise<Map<string, SlowStorage>> {
  const storages = new Map<string, SlowStorage>();
  for (const id of ["a", "b", "c"]) {
    const storage = new SlowStorage();
    storages.set(id, storage);
    const d = await RaftDriver.open({
      id,
      storage,
      transport: wrap(bus.transport(id)),
      stateMachine: stateMachine(),
      initialVoters: ["a", "b", "c"],
      tickMs: 0,
      raft: { electionTicks: 10 },
      requestTimeoutTicks: 30,
    });
    bus.drivers.set(id, d);
    d.start();
  }
  return storages;
}

Deno.test("driver: group commit — proposals made during a save share the next save and append", async () => {
  const bus = new Bus();
  const appends: number[] = [];
  const storages = await startSlowTrio(bus, () => new KvSm(), (inner) => ({
    send: (to, msg) => {
      if (msg.type === "append" && msg.entries.length > 0 && to === "b") {
        appends.push(msg.entries.length);
      }
      return inner.send(to, msg);
    },
  }));
  try {
    const leader = await electedLeader(bus);
    await leader.propose(put("warm", "up"));
    await bus.settle();
    const store = storages.get(leader.id)!;
    const savesBefore = store.saves.length;
    const appendsBefore = appends.length;
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) => leader.propose(put(`k${i}`, `v${i}`))),
    );
    assert.deepEqual(results, Array(40).fill(null));
    const saves = store.saves.slice(savesBefore).filter((s) => s.entries > 0);
    const entries = saves.reduce((n, s) => n + s.entries, 0);
    assert.equal(entries, 40, "every proposal persisted once");
    assert.ok(saves.length <= 3, `40 proposals in ${saves.length} saves`);
    const sent = appends.slice(appendsBefore);
    assert.ok(sent.length <= 6, `40 proposals reached b in ${sent.length} appends: ${sent}`);
    // Saves that would only record a new commit index are not made on their own.
    const hardOnly = store.saves.slice(savesBefore).filter((s) => s.entries === 0 && s.hard);
    assert.equal(hardOnly.length, 0);
  } finally {
    await bus.stop();
  }
});

/** A KvSm that pins the commit of entries whose key starts with `member` (as membership is). */
class PinningSm extends KvSm {
  mustPersistCommit(e: NormalEntry): boolean {
    return JSON.parse(dec.decode(e.data)).key.startsWith("member");
  }
}

Deno.test("driver: the commit of a pinned entry is saved before it applies; others stay lazy", async () => {
  const bus = new Bus();
  const storages = await startSlowTrio(bus, () => new PinningSm());
  try {
    const leader = await electedLeader(bus);
    await leader.propose(put("warm", "up"));
    await bus.tick(3);
    const stored = () => [...storages.values()].map((s) => s.load().hardState.commit);
    const plainAt = leader.status().lastIndex;
    const plain = stored();
    // A plain entry: committed and applied everywhere, its commit index not saved on its own.
    await leader.propose(put("k", "v"));
    await bus.tick(3);
    assert.equal(leader.status().commitIndex, plainAt + 1);
    assert.ok(stored().every((c, i) => c <= Math.max(plain[i], plainAt)), `${stored()}`);
    // A pinned entry: every node saved a commit index that covers it.
    await leader.propose(put("member-x", "joined"));
    await bus.tick(3);
    const pinnedAt = leader.status().lastIndex;
    assert.deepEqual(stored(), [pinnedAt, pinnedAt, pinnedAt]);
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: a clean stop saves the commit index saved lazily; reopened, a node applies it before it starts", async () => {
  const bus = new Bus();
  const storages = await startSlowTrio(bus, () => new KvSm());
  try {
    const leader = await electedLeader(bus);
    await leader.propose(put("warm", "up"));
    await bus.tick(3);
    // A plain entry, committed and applied everywhere: no node saved its commit index yet.
    await leader.propose(put("k", "v"));
    await bus.tick(3);
    const at = leader.status().commitIndex;
    const stored = () => [...storages.values()].map((s) => s.load().hardState.commit);
    assert.ok(stored().every((c) => c < at), `${stored()} (commit ${at})`);
    const known = [...bus.drivers.values()].map((d) => d.status().commitIndex);
    assert.deepEqual(known, [at, at, at]);
    // Stopped cleanly: each saved what it knew committed.
    await bus.stop();
    assert.deepEqual(stored(), [at, at, at]);
    // Reopened alone (no peer, no tick), a node's state holds the entry.
    const sm = new KvSm();
    const b = await RaftDriver.open({
      id: "b",
      storage: storages.get("b")!,
      transport: { send: () => {} },
      stateMachine: sm,
      tickMs: 0,
    });
    await b.appliedAsAtOpen();
    assert.equal(sm.map.get("k"), "v");
    await b.stop();
  } finally {
    await bus.stop();
  }
});

Deno.test("driver: a leader sends its learners' appends after the apply that answers the writer", async () => {
  const bus = new Bus();
  const events: string[] = [];
  const conf = confOf(["a", "b", "c"], ["l"]);
  for (const id of ["a", "b", "c", "l"]) {
    const storage = new MemoryStorage();
    await storage.save({
      snapshot: { meta: { index: 0, term: 0, conf }, data: new Uint8Array() },
      entries: [],
    });
    const sm = new KvSm();
    const apply = sm.apply.bind(sm);
    sm.apply = (e) => {
      events.push(`${id} apply ${JSON.parse(dec.decode(e.data)).key}`);
      return apply(e);
    };
    const inner = bus.transport(id);
    const d = await RaftDriver.open({
      id,
      storage,
      stateMachine: sm,
      transport: {
        send: (to, m) => {
          if (m.type === "append" && m.entries.length > 0) events.push(`${id} append->${to}`);
          return inner.send(to, m);
        },
      },
      tickMs: 0,
      raft: { electionTicks: 10 },
      requestTimeoutTicks: 30,
    });
    bus.drivers.set(id, d);
    d.start();
  }
  try {
    const leader = await electedLeader(bus);
    await leader.propose(put("warm", "up"));
    await bus.tick(3);
    assert.equal(bus.drivers.get("l")!.status().appliedIndex, leader.status().appliedIndex);
    events.length = 0;
    let answeredAt = -1;
    const x = leader.propose(put("x", "1")).then(() => answeredAt = events.length);
    await x;
    await bus.settle();
    const L = leader.id;
    const mine = events.filter((e) => e.startsWith(`${L} `));
    const applied = mine.indexOf(`${L} apply x`);
    const toLearner = mine.indexOf(`${L} append->l`);
    assert.ok(applied >= 0 && toLearner >= 0, `applied and sent to the learner: ${mine}`);
    assert.ok(toLearner > applied, `the learner's append after the apply: ${mine}`);
    assert.ok(
      answeredAt >= 0 && answeredAt <= events.indexOf(`${L} append->l`),
      `the writer was answered before the learner's append was sent: ${answeredAt} ${events}`,
    );
    const voters = ["a", "b", "c"].filter((v) => v !== L).map((v) => `${L} append->${v}`);
    for (const v of voters) assert.ok(mine.indexOf(v) < applied, `${v} before the apply: ${mine}`);
    assert.equal(bus.drivers.get("l")!.status().appliedIndex, leader.status().appliedIndex);
  } finally {
    await bus.stop();
  }
});
