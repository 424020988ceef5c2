// Deploy without activating (`start: "on-message"`): the agent is registered as a hibernated
// agent without a snapshot; its first message starts it fresh, with a wake's guarantees.
import assert from "node:assert/strict";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { FakeCluster } from "./fake-sandbox.ts";
import { harness } from "./harness.ts";

const hop = { from: "n1", to: "n2", at: new Date(0).toISOString(), nonce: "x" };
const ASLEEP = { start: "on-message" };

Deno.test("deploy asleep: registered, listed and stored as hibernated, with no instance", async () => {
  const cluster = new FakeCluster();
  const h = await harness({ cluster });
  try {
    const view = await h.deploy("dozy", ASLEEP) as { status: string };
    assert.equal(view.status, "hibernated");
    assert.equal(h.sandbox.instances.length, 0, "nothing activated");
    assert.equal(h.agents.get("dozy").status, "hibernated");
    assert.equal(cluster.agents.get("dozy")?.state, "hibernated", "the directory's state");
    const stored = await h.kv.get<{ state: string }>(["agents", "dozy"]);
    assert.equal(stored.value?.state, "hibernated");
    assert.deepEqual(h.agents.takeActivated(), [], "the hibernation scheduler has nothing to do");
    assert.equal(h.agents.list({ status: "hibernated" }).total, 1);
    // Hibernating it again changes nothing; nothing was snapshotted.
    assert.equal((await h.agents.hibernate("dozy")).status, "hibernated");
    assert.equal(h.snapshots.saved.has("dozy"), false);
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: the first message starts it fresh and it handles every message once", async () => {
  const cluster = new FakeCluster();
  const h = await harness({ cluster });
  try {
    await h.deploy("dozy", ASLEEP);
    // At least once while it wakes: each resolves once handled and checkpointed.
    await Promise.all([
      h.send("dozy", "put:a", { mode: "at-least-once" }),
      h.send("dozy", "tick", { mode: "at-least-once" }),
    ]);
    const [i] = h.sandbox.live("dozy");
    assert.equal(h.sandbox.instances.length, 1, "one activation");
    assert.equal(i.opts.snapshot, undefined, "fresh: no memory to start from (init runs)");
    assert.deepEqual(i.received.map((m) => m.content), ["put:a", "tick"]);
    assert.equal(i.count, 2);
    assert.equal(h.agents.get("dozy").status, "running");
    assert.deepEqual(h.agents.takeActivated(), ["dozy"]);
    assert.equal(cluster.agents.get("dozy")?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: a node restart keeps it asleep; its message then starts it", async () => {
  const kv = await Deno.openKv(":memory:");
  const first = await harness({ kv });
  await first.deploy("dozy", ASLEEP);
  await first.agents.close({ snapshotBudgetMs: 0 });
  const again = await harness({ kv });
  try {
    await again.agents.restore();
    assert.equal(again.agents.get("dozy").status, "hibernated");
    assert.equal(again.sandbox.instances.length, 0, "not started by the restart");
    await again.send("dozy", "tick", { mode: "at-least-once" });
    const [i] = again.sandbox.live("dozy");
    assert.equal(i.count, 1);
    assert.equal(again.agents.get("dozy").status, "running");
  } finally {
    await again.close();
  }
});

Deno.test("deploy asleep: POST start starts it fresh", async () => {
  const h = await harness();
  try {
    await h.deploy("dozy", ASLEEP);
    assert.equal((await h.agents.resume("dozy")).status, "running");
    const [i] = h.sandbox.live("dozy");
    assert.equal(i.opts.snapshot, undefined);
    assert.equal((await h.kv.get<{ state: string }>(["agents", "dozy"])).value?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: a move starts it on the node it leaves and holds its messages", async () => {
  const h = await harness();
  try {
    await h.deploy("dozy", ASLEEP);
    const capture = await h.agents.pauseForMove("dozy", hop);
    assert.equal(capture.record.state, "running");
    assert.deepEqual(capture.memory.instances[0].globals, [{ index: 0, value: 0 }]);
    assert.deepEqual(capture.history, [hop]);
    await h.send("dozy", "put:a");
    const [i] = h.sandbox.live("dozy");
    assert.equal(i.count, 0, "held, not delivered");
    // The move did not happen: it continues here, awake, with what it held.
    await h.agents.resumeAfterMove("dozy");
    await h.send("dozy", "tick", { await_handled: true });
    assert.deepEqual(i.received.map((m) => m.content), ["put:a", "tick"]);
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: refused without a snapshot store, and for several replicas", async () => {
  const h = await harness({ snapshots: undefined });
  try {
    await assert.rejects(
      h.deploy("dozy", ASLEEP),
      (e) => e instanceof ApiError && e.code === "UNAVAILABLE" && /'dozy'/.test(e.message),
    );
    assert.equal(h.agents.has("dozy"), false);
  } finally {
    await h.close();
  }
  const many = DeployConfigSchema.safeParse({ name: "x", start: "on-message", replicas: 3 });
  assert.equal(many.success, false);
  assert.match(many.error!.issues[0].message, /replicas is 3/);
  assert.deepEqual(many.error!.issues[0].path, ["start"]);
  const bad = DeployConfigSchema.safeParse({ name: "x", start: "lazy" });
  assert.equal(bad.success, false);
  assert.match(bad.error!.issues[0].message, /'on-deploy', 'on-message', not "lazy"/);
  assert.equal(DeployConfigSchema.parse({ name: "x" }).start, undefined, "on-deploy by default");
});

/** `kv` with its reads counted (as the wake's reader connection). */
function countingReader(kv: Deno.Kv): { reader: Deno.Kv; reads: string[] } {
  const reads: string[] = [];
  const reader = new Proxy(kv, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") return v;
      if (prop === "get" || prop === "getMany" || prop === "list") {
        return (...args: unknown[]) => {
          reads.push(`${String(prop)} ${JSON.stringify(args[0])}`);
          return v.apply(target, args);
        };
      }
      return v.bind(target);
    },
  });
  return { reader, reads };
}

/** `kv` whose atomic commits that write the record of `name` fail while `fail.on`. */
function failingRecordWrites(kv: Deno.Kv, name: string): { kv: Deno.Kv; fail: { on: boolean } } {
  const fail = { on: false };
  const wrap = new Proxy(kv, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (prop !== "atomic") return typeof v === "function" ? v.bind(target) : v;
      return () => {
        const a = target.atomic();
        let record = false;
        const op: Deno.AtomicOperation = new Proxy(a, {
          get(t, p) {
            const f = Reflect.get(t, p, t);
            if (typeof f !== "function") return f;
            return (...args: unknown[]) => {
              const key = args[0] as Deno.KvKey;
              if ((p === "set" || p === "delete") && key[0] === "agents" && key[1] === name) {
                record = true;
              }
              if (p === "commit" && record && fail.on) {
                return Promise.reject(new Error(`record write of '${name}' failed (test)`));
              }
              const out = f.apply(t, args);
              return out === t ? op : out;
            };
          },
        });
        return op;
      };
    },
  });
  return { kv: wrap, fail };
}

Deno.test("deploy asleep: the first wake reads no checkpoint, snapshot or storage, and the record then says it started", async () => {
  const kv = await Deno.openKv(":memory:");
  const { reader, reads } = countingReader(kv);
  const h = await harness({ kv, kvReader: reader });
  try {
    await h.deploy("dozy", ASLEEP);
    const stored = await kv.get<{ never_started?: boolean }>(["agents", "dozy"]);
    assert.equal(stored.value?.never_started, true, "stored as never started");
    let snapshotReads = 0;
    const load = h.snapshots.load.bind(h.snapshots);
    h.snapshots.load = (name) => {
      snapshotReads++;
      return load(name);
    };
    reads.length = 0;
    await h.send("dozy", "put:a", { mode: "at-least-once" });
    assert.deepEqual(reads, [], "no read of its checkpoint or storage");
    assert.equal(snapshotReads, 0, "no read of a snapshot");
    const [i] = h.sandbox.live("dozy");
    assert.equal(i.opts.snapshot, undefined, "fresh");
    assert.deepEqual(i.opts.storage, new Map(), "with empty storage");
    const after = await kv.get<{ never_started?: boolean; state: string }>(["agents", "dozy"]);
    assert.equal(after.value?.never_started, undefined, "no longer never started");
    assert.equal(after.value?.state, "running");
    // Hibernated and woken again, it reads what it stored.
    await h.agents.hibernate("dozy");
    assert.equal(
      (await kv.get<{ never_started?: boolean }>(["agents", "dozy"])).value?.never_started,
      undefined,
    );
    await h.send("dozy", "tick", { mode: "at-least-once" });
    assert.notDeepEqual(reads, [], "the second wake reads its checkpoint");
    const [j] = h.sandbox.live("dozy");
    assert.notEqual(j, i);
    assert.equal(j.storage.has("a"), true, "what the first instance stored");
  } finally {
    await h.close();
  }
});

Deno.test("deploy asleep: a woken agent checkpoints only once its record no longer says never started", async () => {
  const base = await Deno.openKv(":memory:");
  const { kv, fail } = failingRecordWrites(base, "dozy");
  const first = await harness({ kv });
  await first.deploy("dozy", { ...ASLEEP, restart: { type: "immediate" } });
  fail.on = true; // the write that clears `never_started` fails
  await assert.rejects(first.send("dozy", "put:a", { mode: "at-least-once" }));
  assert.equal((await base.get(["ckpt", "dozy"])).value, null, "no checkpoint committed");
  assert.deepEqual(
    await Array.fromAsync(base.list({ prefix: ["agent-storage", "dozy"] })),
    [],
    "no storage committed",
  );
  const stored = await base.get<{ never_started?: boolean }>(["agents", "dozy"]);
  assert.equal(stored.value?.never_started, true, "still never started, and rightly so");
  // The write works again: the supervisor's restart checkpoints once the record says so.
  fail.on = false;
  await pollUntil("the restart", () => first.agents.get("dozy").status === "running" || undefined, {
    intervalMs: 1,
  });
  await first.send("dozy", "put:b", { mode: "at-least-once" });
  assert.notEqual((await base.get(["ckpt", "dozy"])).value, null);
  assert.equal(
    (await base.get<{ never_started?: boolean }>(["agents", "dozy"])).value?.never_started,
    undefined,
    "a stored checkpoint, so the record must not say never started",
  );
  await first.agents.close({ snapshotBudgetMs: 0 });
  // A restart then restores it from what it stored.
  const again = await harness({ kv: base });
  try {
    await again.agents.restore();
    await again.send("dozy", "tick", { mode: "at-least-once" });
    const [i] = again.sandbox.live("dozy");
    assert.equal(i.storage.has("b"), true, "what it stored before the restart");
  } finally {
    await again.close();
  }
});
