import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  DF_SERVICE_TYPE,
  federatedDfs,
  federatedSearchInform,
  type FederationContext,
  federationDescription,
  fullAgentId,
  handleManagementMessage,
  isAlreadyRegistered,
  mergeSearchResults,
  readFederatedAnswer,
  registrationRequest,
  SearchIdMemory,
  searchRequestTo,
} from "../../../runtime/ams/mod.ts";
import {
  apply,
  dfAgentDescription,
  directoryReader,
  serviceDescription,
} from "../../../runtime/directory/mod.ts";
import { actionFromSl, parseSlContent } from "../../../runtime/sl/mod.ts";
import { acts, context, corpusMessage, freshState, NOW, run } from "./fixtures.ts";

const PLATFORM = "IBM10308:1099/JADE";
const SELF = `df@${PLATFORM}`;
const CHILD = aid("df@child", ["http://child:7778/acc"]);
const PARENT = aid("df@parent", ["http://parent:7778/acc"]);
const ids = { conversation_id: "c1", reply_with: "r1" };

function seller(name: string) {
  return dfAgentDescription(aid(name), {
    services: [serviceDescription({ name: "books", type: "selling" })],
  });
}

function stateWith(...ds: ReturnType<typeof seller>[]) {
  const state = freshState();
  for (const d of ds) {
    const r = apply(state, { type: "df.register", description: d, at: NOW });
    assert.ok(r.ok);
  }
  return state;
}

function federation(seen: string[] = []): FederationContext {
  return { parents: [PARENT], seen: (id) => seen.includes(id), freshSearchId: "fresh-1" };
}

function searchRequest(constraints: string): AclMessage {
  return {
    performative: "request",
    sender: aid("buyer@elsewhere", ["http://elsewhere/acc"]),
    receivers: [aid(SELF)],
    content: `((action (agent-identifier :name ${SELF}) (search (df-agent-description ` +
      `:services (set (service-description :type selling))) (search-constraints ${constraints}))))`,
    language: "fipa-sl0",
    ontology: "fipa-agent-management",
    protocol: "fipa-request",
    conversation_id: "conv",
    reply_with: "rw",
  };
}

Deno.test("federatedDfs: fipa-df entries and parents, once each, never self nor the asker", () => {
  const state = stateWith(
    { ...federationDescription(CHILD) },
    { ...federationDescription(aid(SELF)) },
    { ...federationDescription(aid("DF@Parent", ["http://other/acc"])) },
    seller("s@x"),
  );
  const dfs = federatedDfs(directoryReader(state), SELF, [PARENT], { now: NOW });
  assert.deepEqual(dfs.map((d) => d.name), ["DF@Parent", "df@child"]);
  const without = federatedDfs(directoryReader(state), SELF, [PARENT], {
    now: NOW,
    exclude: "df@child",
  });
  assert.deepEqual(without.map((d) => d.name), ["DF@Parent"]);
});

Deno.test("a search with max-depth 0 answers at once; max-depth > 0 plans a federated search", () => {
  const state = stateWith(seller("a@x"), federationDescription(CHILD));
  const local = run(state, searchRequest(":max-depth 0"), { federation: federation() });
  assert.deepEqual(acts(local.replies), ["agree", "inform"]);
  assert.equal(local.outcome.federate, undefined);

  const out = handleManagementMessage(
    context(state, { federation: federation() }),
    searchRequest(":max-depth 2 :max-results 5"),
  );
  assert.deepEqual(acts(out.replies), ["agree"]);
  const plan = out.federate!;
  assert.deepEqual(plan.targets.map((t) => t.name), ["df@child", "df@parent"]);
  assert.equal(plan.max_depth, 1);
  assert.equal(plan.search_id, "fresh-1");
  assert.equal(out.searched, "fresh-1");
  assert.deepEqual(plan.local.map((d) => d.name.name), ["a@x"]);

  const unlimited = handleManagementMessage(
    context(state, { federation: federation() }),
    searchRequest(":max-depth -1 :search-id s9"),
  );
  assert.equal(unlimited.federate!.max_depth, -1, "negative depth stays unlimited");
  assert.equal(unlimited.federate!.search_id, "s9");
});

Deno.test("a search id seen before (a loop) finds nothing", () => {
  const state = stateWith(seller("a@x"), federationDescription(CHILD));
  const { replies, outcome } = run(state, searchRequest(":max-depth 3 :search-id s1"), {
    federation: federation(["s1"]),
  });
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  assert.equal(outcome.federate, undefined);
  assert.match(String(replies[1].content), /\(sequence\)/);
});

Deno.test("the propagated request asks for what is still wanted, with the same search id", () => {
  const state = stateWith(seller("a@x"), federationDescription(CHILD));
  const out = handleManagementMessage(
    context(state, { federation: federation() }),
    searchRequest(":max-depth 2 :max-results 5 :search-id s2"),
  );
  const req = searchRequestTo(aid(SELF), CHILD, out.federate!, ids);
  assert.equal(req.receivers[0].name, "df@child");
  assert.equal(req.conversation_id, "c1");
  const [action] = parseSlContent(req.content as string);
  const a = actionFromSl(action).action;
  assert.equal(a.function, "search");
  if (a.function !== "search") return;
  assert.deepEqual(a.constraints, { max_depth: 1, max_results: 4, search_id: "s2" });
});

Deno.test("a federated DF's inform is read and merged: local first, once each, bounded", () => {
  const state = stateWith(seller("a@x"), federationDescription(CHILD));
  const out = handleManagementMessage(
    context(state, { federation: federation() }),
    searchRequest(":max-depth 1 :max-results 3"),
  );
  const plan = out.federate!;
  const childState = stateWith(seller("b@child"), seller("A@X"), seller("c@child"));
  // The fixtures' DF plays the federated one (its platform is the fixtures').
  const childReply = run(childState, searchRequestTo(aid("df@asker"), aid(SELF), plan, ids))
    .replies[1];
  const answer = readFederatedAnswer(childReply);
  assert.equal(answer.kind, "done");
  if (answer.kind !== "done") return;
  assert.deepEqual(answer.results.map((d) => d.name.name), ["A@X", "b@child"]);
  const merged = mergeSearchResults(plan.local, [answer.results, [seller("d@p")]], 3);
  assert.deepEqual(merged.map((d) => d.name.name), ["a@x", "b@child", "d@p"]);
  const inform = federatedSearchInform(plan, [answer.results]);
  assert.equal(inform.performative, "inform");
  assert.equal(inform.in_reply_to, "rw");
  assert.match(String(inform.content), /b@child/);
  assert.deepEqual(readFederatedAnswer({ ...inform, performative: "agree" }), { kind: "agreed" });
  const refused = readFederatedAnswer({
    ...inform,
    performative: "refuse",
    content: "((x) unauthorised)",
  });
  assert.deepEqual(refused, { kind: "failed", reason: "refuse: unauthorised" });
});

Deno.test("the register request is one our own DF accepts as a fipa-df entry", () => {
  const state = freshState();
  const req = registrationRequest(aid("df@child", ["http://child/acc"]), aid(SELF), ids);
  const { replies, outcome } = run(state, req);
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  assert.equal(outcome.commands[0].type, "df.register");
  const dfs = federatedDfs(directoryReader(state), SELF, [], { now: NOW });
  assert.deepEqual(dfs.map((d) => [d.name, d.addresses]), [["df@child", ["http://child/acc"]]]);
  assert.equal(federationDescription(CHILD).services[0].type, DF_SERVICE_TYPE);
  const again = run(state, req).replies[1];
  assert.ok(isAlreadyRegistered(again), String(again.content));
  assert.equal(isAlreadyRegistered(replies[1]), false);
});

Deno.test("SearchIdMemory forgets ids after ttl and keeps at most max", () => {
  const m = new SearchIdMemory({ ttlMs: 1000, max: 2 });
  m.remember("a", 0);
  assert.ok(m.has("a", 999));
  assert.ok(!m.has("a", 1000));
  m.remember("x", 2000);
  m.remember("y", 2001);
  m.remember("z", 2002);
  assert.equal(m.size, 2);
  assert.ok(!m.has("x", 2003));
  assert.ok(m.has("z", 2003));
  assert.throws(() => new SearchIdMemory({ ttlMs: 1, max: 0 }), /max must be at least 1/);
});

Deno.test("JADE's corpus: a sub-DF's register makes it a federated DF; a JADE search result is read", () => {
  const state = freshState();
  const { replies } = run(state, corpusMessage("jade-dftest-register"));
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  // The registry keys this platform's agents by local name; other platforms see full names.
  const dfs = federatedDfs(directoryReader(state), SELF, [], {
    now: NOW,
    fullId: (id) => fullAgentId(context(state), id),
  });
  assert.deepEqual(dfs.map((d) => d.name), [`da0@${PLATFORM}`]);
  // JADE answers a search with `(result <action> (set <dfd>...))`.
  const answer = readFederatedAnswer(corpusMessage("jade-testmsg-07-inform"));
  assert.equal(answer.kind, "done");
  if (answer.kind !== "done") return;
  assert.deepEqual(answer.results.map((d) => d.name.name), ["x@ior:002233", "x2"]);
});

Deno.test("descriptions another platform sends are checked like registrations", () => {
  const ok = "(df-agent-description :name (agent-identifier :name ok@x))";
  const bad = "(df-agent-description :name (agent-identifier :name bad@x) " +
    ':services (set (service-description :name "")))';
  const nameless = "(df-agent-description :ontologies (set o))";
  const a = readFederatedAnswer({
    performative: "inform",
    receivers: [aid(SELF)],
    content: `((result (x) (sequence ${ok} ${bad} ${nameless})))`,
  });
  assert.equal(a.kind, "done");
  if (a.kind === "done") assert.deepEqual(a.results.map((d) => d.name.name), ["ok@x"]);
  assert.equal(
    readFederatedAnswer({ performative: "inform", receivers: [], content: "((x) (y))" }).kind,
    "failed",
  );
});

Deno.test("only searches that may propagate are remembered for loop detection", () => {
  const state = stateWith(seller("a@x"));
  const local = run(state, searchRequest(":max-depth 0 :search-id again"), {
    federation: federation(),
  });
  assert.equal(local.outcome.searched, undefined, "a repeated local search is not a loop");
  const deep = run(state, searchRequest(":max-depth 2 :search-id s3"), {
    federation: federation(),
  });
  assert.equal(deep.outcome.searched, "s3", "nothing to ask, but it could have gone on");
});
