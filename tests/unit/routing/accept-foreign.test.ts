import assert from "node:assert/strict";
import { type AclMessage, aid, parseAclJson } from "../../../runtime/acl/mod.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { Outbox } from "../../../runtime/delivery/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { RepresentationChoice } from "../../../runtime/mtp/mod.ts";
import {
  type Delivery,
  foreignAcceptor,
  foreignMessageId,
  MessageRouter,
} from "../../../runtime/routing/mod.ts";

/** A router for platform `edge` with `echo` and a remote route that records what leaves. */
function setup() {
  const router = new MessageRouter("edge");
  const local: Delivery[] = [];
  const out: Delivery[] = [];
  router.register("echo", { deliver: (d) => void local.push(d) });
  router.addRemote({
    kind: "mtp",
    resolve: (to) =>
      router.localName(to) === undefined && to.addresses.length
        ? (d) => {
          out.push(d);
          return Promise.resolve();
        }
        : undefined,
  });
  const representations = new RepresentationChoice();
  const foreign = foreignAcceptor({
    router,
    log: silentLogger,
    addresses: () => ["http://edge:8080/acc"],
    representations,
  });
  return { router, local, out, foreign, representations };
}

const FROM = aid("buyer@jade:1099/JADE", ["http://jade:7778/acc"]);
const MSG: AclMessage = {
  performative: "request",
  sender: FROM,
  receivers: [aid("echo@edge")],
  content: "ping",
  conversation_id: "c1",
  reply_with: "r1",
  protocol: "fipa-request",
};

Deno.test("an MTP message to an unknown receiver: the sender gets a FIPA failure from our AMS", async () => {
  const { local, out, foreign } = setup();
  await foreign.accept(MSG, [aid("echo@edge"), aid("nobody@edge")]);
  assert.equal(local.length, 1);
  assert.equal(out.length, 1);
  const f = out[0].message;
  assert.equal(f.performative, "failure");
  assert.deepEqual(f.sender, aid("ams@edge", ["http://edge:8080/acc"]));
  assert.deepEqual(f.receivers, [FROM]);
  assert.equal(f.conversation_id, "c1");
  assert.equal(f.in_reply_to, "r1");
  assert.match(f.content as string, /MTS-error \(agent-identifier :name nobody@edge\)/);
});

Deno.test("a failure is never answered with a failure; the representation used is remembered", async () => {
  const { out, foreign, representations } = setup();
  const failure = { ...MSG, performative: "failure" as const, sender: aid("ams@edge") };
  await foreign.accept(failure, [aid("nobody@edge")]);
  assert.equal(out.length, 0);
  await foreign.accept(MSG, [aid("echo@edge")], { representation: "fipa.acl.rep.xml.std" });
  assert.equal(representations.for(aid("seller@jade:1099/JADE")), "fipa.acl.rep.xml.std");
  // A representation we cannot read: only the envelope's sender can be told.
  await foreign.reject(FROM, [aid("echo@edge")], "ACL representation 'x' is not supported");
  assert.equal(out.length, 1);
  assert.match(out[0].message.content as string, /not supported/);
});

/** The acceptor at least once: a real outbox on an in-memory KV, one attempt per message. */
async function setupDurable() {
  const s = setup();
  const kv = await Deno.openKv(":memory:");
  const outbox = new Outbox({
    kv,
    router: s.router,
    log: silentLogger,
    policy: { maxAttempts: 1, initialDelayMs: 1 },
  });
  const foreign = foreignAcceptor({
    router: s.router,
    log: silentLogger,
    addresses: () => ["http://edge:8080/acc"],
    enqueue: (d) => outbox.enqueue(d),
  });
  outbox.onDeadLetter = (dead) =>
    foreign.deadLettered(parseAclJson(dead.message), dead.pending, dead.last_error ?? "");
  const close = async () => {
    await outbox.stop();
    kv.close();
  };
  return { ...s, kv, outbox, foreign, close };
}

Deno.test("at least once: accept resolves once the message is stored, then it is delivered from the outbox as an MTP message", async () => {
  const { local, outbox, foreign, close } = await setupDurable();
  try {
    await foreign.accept(MSG, [aid("echo@edge")]);
    // Stored before anything reached the mailbox, with the envelope's receivers.
    assert.equal(local.length, 0);
    const [entry] = await outbox.pending();
    assert.equal(entry.origin, "mtp");
    assert.deepEqual(entry.pending, [aid("echo@edge")]);
    await pollUntil("delivered", () => local.length === 1 || undefined);
    assert.equal(local[0].origin, "mtp");
    assert.equal(local[0].mode, "at-least-once");
    assert.equal(local[0].message_id, entry.message_id);
    assert.equal(local[0].message.content, "ping");
    await pollUntil(
      "the outbox empty",
      async () => (await outbox.pending()).length === 0 || undefined,
    );
  } finally {
    await close();
  }
});

Deno.test("at least once: a receiver no route reaches is reported at once and not stored", async () => {
  const { local, out, outbox, foreign, close } = await setupDurable();
  try {
    await foreign.accept(MSG, [aid("nobody@edge")]);
    assert.equal(out.length, 1);
    assert.match(
      out[0].message.content as string,
      /MTS-error \(agent-identifier :name nobody@edge\)/,
    );
    assert.deepEqual(await outbox.pending(), []);
    // With a reachable receiver besides, only that one is stored.
    await foreign.accept(MSG, [aid("nobody@edge"), aid("echo@edge")]);
    assert.equal(out.length, 2);
    const [entry] = await outbox.pending();
    assert.deepEqual(entry.pending, [aid("echo@edge")]);
    await pollUntil("delivered", () => local.length === 1 || undefined);
  } finally {
    await close();
  }
});

Deno.test("at least once: a receiver that keeps refusing is dead-lettered, then its sender is told", async () => {
  const { router, out, outbox, foreign, close } = await setupDurable();
  router.register("full", { deliver: () => Promise.reject(new Error("mailbox full")) });
  try {
    await foreign.accept(MSG, [aid("full@edge")]);
    assert.equal(out.length, 0, "not reported while it is retried");
    await pollUntil("reported", () => out.length === 1 || undefined);
    const [dead] = await outbox.deadLetters();
    assert.equal(dead.origin, "mtp");
    const f = out[0].message;
    assert.equal(f.performative, "failure");
    assert.deepEqual(f.receivers, [FROM]);
    assert.equal(f.in_reply_to, "r1");
    assert.match(f.content as string, /MTS-error \(agent-identifier :name full@edge\)/);
    assert.match(f.content as string, /mailbox full/);
  } finally {
    await close();
  }
});

Deno.test("foreignMessageId: the same for a retry, distinct per sender, id and receiver set", async () => {
  const id = await foreignMessageId("buyer@jade", "m-1", ["echo@edge", "c@edge"]);
  assert.match(id, /^mtp_[0-9a-f]{32}$/);
  assert.equal(await foreignMessageId("buyer@jade", "m-1", ["c@edge", "echo@edge"]), id);
  const others = await Promise.all([
    foreignMessageId("seller@jade", "m-1", ["echo@edge", "c@edge"]),
    foreignMessageId("buyer@jade", "m-2", ["echo@edge", "c@edge"]),
    foreignMessageId("buyer@jade", "m-1", ["echo@edge"]),
    // No join of the parts can make two inputs one.
    foreignMessageId("buyer@jadem-1", "", ["echo@edge", "c@edge"]),
  ]);
  assert.equal(new Set([id, ...others]).size, 5);
});

Deno.test("at least once: a message the sender gave an id is stored under the id derived from it; none: a fresh one", async () => {
  const { local, foreign, close } = await setupDurable();
  try {
    const info = { representation: "fipa.acl.rep.string.std", messageId: "m-1" };
    await foreign.accept(MSG, [aid("echo@edge")], info);
    await foreign.accept(MSG, [aid("echo@edge")]);
    await pollUntil("delivered", () => local.length === 2 || undefined);
    const want = await foreignMessageId(FROM.name, "m-1", ["echo@edge"]);
    assert.deepEqual(local.map((d) => d.message_id).filter((m) => m === want), [want]);
    assert.match(local.find((d) => d.message_id !== want)!.message_id, /^msg_/);
  } finally {
    await close();
  }
});
