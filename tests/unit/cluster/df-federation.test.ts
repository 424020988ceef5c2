import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  type FederatedSearch,
  federationDescription,
  replyTemplate,
} from "../../../runtime/ams/mod.ts";
import { ManualTimers } from "../../../runtime/async/mod.ts";
import { DfFederation } from "../../../runtime/cluster/mod.ts";
import { dfAgentDescription, dfTemplate } from "../../../runtime/directory/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { parseSl } from "../../../runtime/sl/mod.ts";

const SELF = aid("df@here", ["http://here/acc"]);

function setup(sendFails = false) {
  const timers = new ManualTimers();
  const sent: AclMessage[] = [];
  const fed = new DfFederation({
    self: () => SELF,
    send: (m) => {
      sent.push(m);
      return sendFails ? Promise.reject(new Error("no route")) : Promise.resolve();
    },
    timeoutMs: 1000,
    log: silentLogger,
    timers,
    now: () => timers.now(),
  });
  return { timers, sent, fed };
}

/** Lets the promise callbacks run. */
const settle = () => new Promise((r) => setTimeout(r, 0));

function plan(targets: string[]): FederatedSearch {
  const req: AclMessage = {
    performative: "request",
    sender: aid("buyer@here"),
    receivers: [SELF],
    conversation_id: "outer",
    reply_with: "rw",
  };
  return {
    reply: replyTemplate(req, SELF, { protocol: "fipa-request" })!,
    action: parseSl("(action (agent-identifier :name df@here) (search (df-agent-description)))"),
    template: dfTemplate(),
    local: [dfAgentDescription(aid("mine@here"))],
    max_results: 10,
    search_id: "s1",
    max_depth: 0,
    targets: targets.map((t) => aid(t, [`http://${t.split("@")[1]}/acc`])),
  };
}

function answer(to: AclMessage, performative: AclMessage["performative"], content: string) {
  return {
    performative,
    sender: to.receivers[0],
    receivers: [SELF],
    conversation_id: to.conversation_id,
    in_reply_to: to.reply_with,
    content,
  } satisfies AclMessage;
}

Deno.test("a federated search merges the answers, and one that never answers ends at the time bound", async () => {
  const { timers, sent, fed } = setup();
  const done = fed.search(plan(["df@a", "df@b"]));
  assert.equal(sent.length, 2);
  assert.ok(fed.offer(answer(sent[0], "agree", "((x) true)")), "an agree keeps waiting");
  const dfd = "(df-agent-description :name (agent-identifier :name theirs@a))";
  assert.ok(fed.offer(answer(sent[0], "inform", `((result (x) (sequence ${dfd})))`)));
  assert.equal(fed.offer(answer(sent[0], "inform", "((x))")), false, "that ask is over");
  timers.advance(1000); // df@b never answers
  const inform = await done;
  assert.equal(inform.performative, "inform");
  assert.equal(inform.in_reply_to, "rw");
  assert.match(String(inform.content), /mine@here.*theirs@a/s);
  assert.equal(fed.offer({ ...sent[1], performative: "inform" }), false, "b's ask ended");
});

Deno.test("a refusal or an unroutable ask adds nothing and does not wait", async () => {
  const { sent, fed } = setup();
  const done = fed.search(plan(["df@a"]));
  fed.offer(answer(sent[0], "refuse", "((x) unauthorised)"));
  assert.match(String((await done).content), /mine@here/);
  const unroutable = setup(true);
  const inform = await unroutable.fed.search(plan(["df@a"]));
  assert.equal(inform.performative, "inform");
});

Deno.test("join registers, retries a failure after 1 s, and counts already-registered as done", async () => {
  const { timers, sent, fed } = setup();
  const parent = aid("df@p", ["http://p/acc"]);
  const first = fed.join(parent);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].performative, "request");
  assert.match(String(sent[0].content), /\(register \(df-agent-description/);
  assert.match(String(sent[0].content), /:type fipa-df/);
  fed.offer(answer(sent[0], "failure", '((x) (internal-error "busy"))'));
  const s1 = await first;
  assert.equal(s1.state, "joining");
  assert.equal(s1.last_error, "failure: internal-error");
  assert.deepEqual(fed.context().parents.map((p) => p.name), ["df@p"]);
  timers.advance(999);
  assert.equal(sent.length, 1);
  timers.advance(1);
  assert.equal(sent.length, 2, "retried after 1 s");
  fed.offer(answer(sent[1], "failure", "((x) already-registered)"));
  await settle();
  assert.equal(fed.list()[0].state, "registered");
  assert.equal(fed.list()[0].attempts, 2);
  fed.close();
});

Deno.test("served search ids are remembered for ten minutes", () => {
  const { timers, fed } = setup();
  fed.served("s9");
  assert.ok(fed.context().seen("s9"));
  timers.advance(10 * 60_000);
  assert.ok(!fed.context().seen("s9"));
  assert.equal(federationDescription(SELF).name, SELF);
});
