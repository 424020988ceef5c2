import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { RepresentationChoice } from "../../../runtime/mtp/mod.ts";
import { type Delivery, foreignAcceptor, MessageRouter } from "../../../runtime/routing/mod.ts";

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
