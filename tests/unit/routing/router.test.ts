// The router: every receiver is resolved before anything is delivered; guards run before and
// observers after; at-least-once deliveries are deduplicated by message id at the receiver.
import assert from "node:assert/strict";
import { type AclMessage, type AgentIdentifier, aid } from "../../../runtime/acl/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import {
  type Deduper,
  type Delivery,
  MessageRouter,
  type RouteOutcome,
} from "../../../runtime/routing/mod.ts";

let ids = 0;
function delivery(to: string[], extra: Partial<Delivery> = {}): Delivery {
  const message: AclMessage = {
    performative: "inform",
    sender: aid("client@p"),
    receivers: to.map((n) => aid(n)),
    content: "hi",
  };
  return {
    message_id: `msg_${++ids}`,
    message,
    accepted_at: "2030-01-01T00:00:00.000Z",
    ...extra,
  };
}

/** A router on platform `p` with recording endpoints for `names`. */
function setup(...names: string[]) {
  const router = new MessageRouter("p");
  const got = new Map<string, Delivery[]>();
  for (const n of names) {
    got.set(n, []);
    router.register(n, { deliver: (d) => void got.get(n)!.push(d) });
  }
  return { router, got };
}

async function refusal(p: Promise<unknown>): Promise<ApiError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error("expected a refusal");
}

Deno.test("a message with one unreachable receiver reaches nobody", async () => {
  const { router, got } = setup("a", "b");
  const err = await refusal(router.route(delivery(["a", "ghost", "b"])));
  assert.equal(err.code, "AGENT_NOT_FOUND");
  assert.equal(err.details.agent, "ghost");
  assert.equal(got.get("a")!.length, 0);
  assert.equal(got.get("b")!.length, 0);
});

Deno.test("local and full names, and aliases of the platform, reach the same endpoint", async () => {
  const { router, got } = setup("a");
  router.addAlias("node2");
  const out = await router.route(delivery(["a", "a@p", "a@node2"]));
  assert.deepEqual(out.map((o) => `${o.receiver} ${o.status}`), [
    "a delivered",
    "a@p delivered",
    "a@node2 delivered",
  ]);
  assert.equal(got.get("a")!.length, 3);
  assert.equal(router.localName("a@elsewhere"), undefined);
  assert.equal(router.resolve("a@elsewhere"), undefined);
});

Deno.test("others go through the first remote route that takes them, in the order added", async () => {
  const { router, got } = setup("a");
  const sent: string[] = [];
  const takes = (kind: string, suffix: string) => ({
    kind,
    resolve: (to: AgentIdentifier) =>
      to.name.endsWith(suffix)
        ? (_d: Delivery, t: AgentIdentifier) => (sent.push(`${kind}:${t.name}`), Promise.resolve())
        : undefined,
  });
  router.addRemote(takes("peer", "@q"));
  router.addRemote(takes("mtp", ""));
  const out = await router.route(delivery(["x@q", "a", "y@far"]));
  assert.deepEqual(out, [
    { receiver: "x@q", status: "forwarded", via: "peer" },
    { receiver: "a", status: "delivered" },
    { receiver: "y@far", status: "forwarded", via: "mtp" },
  ]);
  assert.deepEqual(sent, ["peer:x@q", "mtp:y@far"]);
  assert.equal(got.get("a")!.length, 1);
});

Deno.test("reaches tells what route would take, delivering nothing", () => {
  const { router, got } = setup("a");
  const sent: string[] = [];
  router.addRemote({
    kind: "peer",
    resolve: (to) =>
      to.name.endsWith("@q") ? () => (sent.push(to.name), Promise.resolve()) : undefined,
  });
  assert.equal(router.reaches(aid("a")), true);
  assert.equal(router.reaches(aid("x@q")), true);
  assert.equal(router.reaches(aid("nobody")), false);
  assert.deepEqual(sent, []);
  assert.equal(got.get("a")?.length ?? 0, 0);
});

Deno.test("guards see the local receivers before any delivery, and may refuse the message", async () => {
  const { router, got } = setup("a", "b");
  router.addRemote({ kind: "peer", resolve: () => () => Promise.resolve() });
  const seen: string[][] = [];
  const off = router.addGuard((_d, local) => {
    seen.push(local.map((r) => r.name));
    if (local.some((r) => r.name === "b")) {
      throw new ApiError("PROTOCOL_VIOLATION", "b may not be told", { agent: "b" });
    }
  });
  await router.route(delivery(["a", "far@q"]));
  const err = await refusal(router.route(delivery(["a", "b"])));
  assert.equal(err.code, "PROTOCOL_VIOLATION");
  assert.deepEqual(seen, [["a"], ["a", "b"]]);
  assert.equal(got.get("a")!.length, 1, "the refused message reached not even a");
  off();
  await router.route(delivery(["a", "b"]));
  assert.equal(got.get("b")!.length, 1, "a removed guard no longer refuses");
});

Deno.test("observers see every routed message with its outcomes; one that throws breaks nothing", async () => {
  const { router } = setup("a");
  const seen: [string, RouteOutcome[]][] = [];
  router.addObserver(() => {
    throw new Error("observer bug");
  });
  const off = router.addObserver((d, out) => void seen.push([d.message_id, out]));
  const d = delivery(["a"]);
  assert.deepEqual(await router.route(d), [{ receiver: "a", status: "delivered" }]);
  assert.deepEqual(seen, [[d.message_id, [{ receiver: "a", status: "delivered" }]]]);
  await refusal(router.route(delivery(["ghost"])));
  assert.equal(seen.length, 1, "a refused message is not observed");
  off();
  await router.route(delivery(["a"]));
  assert.equal(seen.length, 1);
});

/** A deduper in memory that counts what it was asked. */
function memoryDeduper(): Deduper & { marked: string[] } {
  const marked: string[] = [];
  return {
    marked,
    seen: (r, id) => marked.includes(`${r}/${id}`),
    mark: (r, id) => void marked.push(`${r}/${id}`),
  };
}

Deno.test("at least once: a message id delivered before is dropped as a duplicate", async () => {
  const { router, got } = setup("a");
  const dedup = memoryDeduper();
  router.setDeduper(dedup);
  const d = delivery(["a@p"], { mode: "at-least-once" });
  assert.deepEqual(await router.route(d), [{ receiver: "a@p", status: "delivered" }]);
  assert.deepEqual(await router.route(d), [
    { receiver: "a@p", status: "delivered", duplicate: true },
  ]);
  assert.equal(got.get("a")!.length, 1);
  assert.deepEqual(dedup.marked, [`a/${d.message_id}`], "keyed by the local name");
  // At most once (the default) does not consult the deduper.
  const once = delivery(["a"]);
  await router.route(once);
  await router.route(once);
  assert.equal(got.get("a")!.length, 3);
});

Deno.test("at least once: a delivery the agent failed is not marked, so a retry delivers it", async () => {
  const router = new MessageRouter("p");
  const dedup = memoryDeduper();
  router.setDeduper(dedup);
  let fail = true;
  let handled = 0;
  router.register("a", {
    deliver: () => {
      if (fail) return Promise.reject(new Error("agent trapped"));
      handled++;
    },
  });
  const d = delivery(["a"], { mode: "at-least-once" });
  await assert.rejects(router.route(d), /agent trapped/);
  assert.deepEqual(dedup.marked, []);
  fail = false;
  await router.route(d);
  assert.equal(handled, 1);
  assert.deepEqual(dedup.marked, [`a/${d.message_id}`]);
});

Deno.test("a forwarded message is guarded, observed and delivered here only", async () => {
  const { router, got } = setup("a");
  let remoteTried = false;
  router.addRemote({ kind: "peer", resolve: () => (remoteTried = true, undefined) });
  const guarded: string[] = [];
  const observed: RouteOutcome[][] = [];
  router.addGuard((_d, local) => void guarded.push(...local.map((r) => r.name)));
  router.addObserver((_d, out) => void observed.push(out));
  const d = delivery(["a@p"], { origin: "peer" });
  assert.deepEqual(await router.receiveForwarded(d, aid("a@p")), {
    receiver: "a@p",
    status: "delivered",
  });
  assert.deepEqual(guarded, ["a@p"]);
  assert.deepEqual(observed, [[{ receiver: "a@p", status: "delivered" }]]);
  const err = await refusal(router.receiveForwarded(delivery(["b@p"]), aid("b@p")));
  assert.equal(err.code, "AGENT_NOT_FOUND");
  assert.equal(remoteTried, false, "no further hop is tried");
  assert.equal(got.get("a")!.length, 1);
});

Deno.test("a name is registered once; its removal removes only that endpoint", () => {
  const router = new MessageRouter("p");
  assert.throws(() => router.register("a@p", { deliver() {} }), /must not contain '@': 'a@p'/);
  const off = router.register("a", { deliver() {} });
  assert.throws(
    () => router.register("a", { deliver() {} }),
    (e) => e instanceof ApiError && e.code === "AGENT_ALREADY_EXISTS",
  );
  off();
  const second = { deliver() {} };
  router.register("a", second);
  off(); // the first removal again: must not remove the second endpoint
  assert.equal(router.resolve("a"), second);
  assert.deepEqual(router.localNames(), ["a"]);
});
