// An agent asks to move (`migrate-to`, allowed by its manifest) and the node moves it at
// its next message boundary; `list-nodes` reports every member with load, free memory and
// measured latency.
import assert from "node:assert/strict";
import { buildWatComponent } from "../../../agents/build/mod.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import type { MessageRouter } from "../../../runtime/routing/mod.ts";
import type { NodeEvent } from "../../../runtime/events/mod.ts";
import {
  locationOf,
  Probe,
  startCluster,
  startTestNode,
  stopAll,
  type TestNode,
  until,
} from "./helpers.ts";

const PRELUDE = new URL("../../../agents/tiny/prelude.wat", import.meta.url);

/**
 * The tiny counter, plus: a `propose` makes it call `migrate-to("<target>")`, a `cancel`
 * makes it trap.
 */
async function nomad(target: string): Promise<Uint8Array> {
  const wat = `
(module
  (import "fipa:agent/messaging@0.1.0" "send-message" (func $send (param i32 i32)))
  (import "fipa:agent/migration@0.1.0" "migrate-to" (func $migrate (param i32 i32 i32)))
  (global $count (mut i32) (i32.const 0))
  (data (i32.const 600) "{\\22count\\22:")
  (data (i32.const 700) "${target}")
  ;;@prelude
  (func (export "handle-message") (param $m i32) (result i32)
    (local $n i32) (local $end i32) (local $start i32) (local $t i32)
    (if (i32.eq (i32.load8_u offset=8 (local.get $m)) (i32.const 2)) (then unreachable))
    (if (i32.eq (i32.load8_u offset=8 (local.get $m)) (i32.const 12))
      (then
        (call $migrate (i32.const 700) (i32.const ${target.length}) (i32.const 800))
        (global.set $heap (i32.const 1024))
        (return (i32.const 1))))
    (if (i32.ne (i32.load8_u offset=8 (local.get $m)) (i32.const 18))
      (then (global.set $heap (i32.const 1024)) (return (i32.const 0))))
    (global.set $count (i32.add (global.get $count) (i32.const 1)))
    (local.set $n (global.get $count))
    (local.set $end (i32.const 640))
    (local.set $start (i32.const 640))
    (loop $digits
      (local.set $start (i32.sub (local.get $start) (i32.const 1)))
      (i32.store8 (local.get $start)
        (i32.add (i32.const 48) (i32.rem_u (local.get $n) (i32.const 10))))
      (local.set $n (i32.div_u (local.get $n) (i32.const 10)))
      (br_if $digits (local.get $n)))
    (local.set $t (i32.sub (local.get $end) (local.get $start)))
    (memory.copy (i32.const 609) (local.get $start) (local.get $t))
    (i32.store8 (i32.add (i32.const 609) (local.get $t)) (i32.const 125))
    (drop (call $reply (local.get $m) (i32.const 7) (i32.const 1) (i32.const 600)
      (i32.add (local.get $t) (i32.const 10))))
    (global.set $heap (i32.const 1024))
    (i32.const 1))
)`;
  return await buildWatComponent(wat.replace(";;@prelude", await Deno.readTextFile(PRELUDE)));
}

function send(
  t: { n: { router: MessageRouter } },
  performative: "propose" | "cancel",
  from: string,
  to: string,
) {
  return t.n.router.route({
    message_id: crypto.randomUUID(),
    message: {
      performative,
      sender: aid(from),
      receivers: [aid(to)],
      content: "move",
    },
    accepted_at: new Date().toISOString(),
    origin: "http",
  });
}

/**
 * Listens on the source for the end of `agent`'s move; returns a check that gives the
 * `migration.completed` or `migration.failed` event once it was published.
 */
function moveOutcome(t: TestNode, agent: string): () => NodeEvent | undefined {
  let outcome: NodeEvent | undefined;
  const off = t.n.events.subscribe(
    { events: ["migration.completed", "migration.failed"], agent_ids: [agent] },
    (e) => {
      outcome = e;
      off();
    },
  );
  return () => outcome;
}

Deno.test("an agent that calls migrate-to moves with its state (only if allowed); list-nodes measures members", async () => {
  const [a, b] = await startCluster(["na", "nb"]);
  const probe = new Probe(a);
  try {
    const bytes = await nomad("nb");
    await a.n.agents.deploy(
      bytes,
      DeployConfigSchema.parse({ name: "nomad", manifest: { may_migrate: true } }),
    );
    await a.n.agents.deploy(bytes, DeployConfigSchema.parse({ name: "settler" }));
    for (let i = 1; i <= 3; i++) assert.equal(await probe.ask("nomad@mp"), i);
    assert.equal(await probe.ask("settler@mp"), 1);

    // Not allowed by its manifest: the call fails, the agent stays.
    await send(a, "propose", probe.name, "settler@mp");
    assert.equal(await probe.ask("settler@mp"), 2);
    assert.equal(locationOf(a, "settler"), "na");

    // Allowed: it moves (the component goes along, nb never had it) and keeps counting.
    // The target may host it before the source has applied the move's commit (each member
    // applies a commit on its own; the leader even sends it on before its own save), so
    // the end of the move is the source's report, published once its proposal is applied
    // and the held messages are handed over.
    const outcome = moveOutcome(a, "nomad");
    await send(a, "propose", probe.name, "nomad@mp");
    assert.equal(
      (await until("the move of nomad ends at the source", outcome)).type,
      "migration.completed",
    );
    assert.equal(locationOf(a, "nomad"), "nb");
    assert.equal(locationOf(b, "nomad"), "nb");
    assert.ok(b.n.agents.has("nomad"));
    assert.ok(!a.n.agents.has("nomad"));
    assert.equal(await probe.ask("nomad@mp"), 4, "the count moved with it");
    assert.ok(!b.n.agents.has("settler"));

    // list-nodes: both members, the other one measured.
    await b.n.migration.load.refresh();
    const nodes = b.n.migration.listNodes();
    assert.deepEqual(nodes.map((n) => n.id).sort(), ["na", "nb"]);
    const other = nodes.find((n) => n.id === "na")!;
    assert.ok(other.latency_ms > 0, `latency measured: ${other.latency_ms}`);
    assert.ok(other.available_memory > 0);
    assert.ok(other.load >= 0 && other.load <= 1);
    assert.equal(nodes.find((n) => n.id === "nb")!.latency_ms, 0);
  } finally {
    probe.close();
    await stopAll([a, b]);
  }
});

Deno.test("an agent that crashed restarts from its last snapshot", async () => {
  const t = await startTestNode("nx");
  const probe = new Probe(t);
  try {
    await t.n.agents.deploy(
      await nomad("ny"),
      DeployConfigSchema.parse({ name: "fragile", restart: "immediate" }),
    );
    for (let i = 1; i <= 3; i++) assert.equal(await probe.ask("fragile@mp"), i);
    await t.n.agents.hibernate("fragile"); // its last snapshot: count 3
    assert.equal(await probe.ask("fragile@mp"), 4);
    assert.equal(await probe.ask("fragile@mp"), 5);
    await send(t, "cancel", probe.name, "fragile@mp"); // traps
    await until("restarted", () => {
      const v = t.n.agents.get("fragile");
      return v.status === "running" && v.metrics.restarts === 1 ? true : undefined;
    });
    assert.equal(await probe.ask("fragile@mp"), 4, "back at the snapshot's count");
  } finally {
    probe.close();
    await t.n.stop();
    await Deno.remove(t.dataDir, { recursive: true });
  }
});
