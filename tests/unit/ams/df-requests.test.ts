import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { completeRequest, failRequest, handleManagementMessage } from "../../../runtime/ams/mod.ts";
import { apply, getRegistration } from "../../../runtime/directory/mod.ts";
import {
  dfAgentDescriptionFromSl,
  doneFromSl,
  exceptionFromSl,
  parseSl,
  resultFromSl,
  slEquals,
  type SlList,
  type SlTerm,
  slWord,
} from "../../../runtime/sl/mod.ts";
import {
  acts,
  context,
  corpusMessage,
  elements,
  freshState,
  JADE_PLATFORM,
  NOW,
  requestAction,
  run,
} from "./fixtures.ts";

const DF = `df@${JADE_PLATFORM}`;
const DA0 = `da0@${JADE_PLATFORM}`;
/** The directory keys this platform's agents by local name. */
const DA0_KEY = "da0";

function assertReplyEnvelope(reply: AclMessage, req: AclMessage): void {
  assert.equal(reply.sender?.name, DF);
  assert.deepEqual(reply.receivers.map((r) => r.name), [req.sender!.name]);
  assert.equal(reply.conversation_id, req.conversation_id);
  assert.equal(reply.in_reply_to, req.reply_with);
  assert.equal(reply.protocol, "fipa-request");
  assert.equal(reply.language, "FIPA-SL0");
  assert.equal(reply.ontology, "FIPA-Agent-Management");
}

/** Asserts `agree` with `(<action> true)` echoing the request's action. */
function assertAgree(reply: AclMessage, req: AclMessage): void {
  assert.equal(reply.performative, "agree");
  assertReplyEnvelope(reply, req);
  const [action, cond] = elements(reply);
  assert.ok(slEquals(action, requestAction(req)), "agree echoes the action");
  assert.deepEqual(cond, slWord("true"));
}

/** Asserts `<act>` with `(<action> <exception>)` and returns the exception. */
function assertException(reply: AclMessage, req: AclMessage, act: string) {
  assert.equal(reply.performative, act);
  assertReplyEnvelope(reply, req);
  const [action, reason] = elements(reply);
  assert.ok(slEquals(action, requestAction(req)));
  return exceptionFromSl(reason);
}

Deno.test("DFTest Register: agree, then inform (done <action>)", () => {
  const state = freshState();
  const req = corpusMessage("jade-dftest-register");
  const { outcome, replies } = run(state, req);
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  assertAgree(replies[0], req);
  assert.equal(outcome.commands[0].type, "df.register");
  assertReplyEnvelope(replies[1], req);
  const [done] = elements(replies[1]);
  assert.ok(slEquals(doneFromSl(done)!, requestAction(req)));
  const d = getRegistration(state, DA0_KEY)!;
  assert.equal(d.services[0].name, "sub-sub-df");
  assert.equal(d.services[0].type, "fipa-df");
  assert.deepEqual(d.services[0].protocols, ["fipa-request"]);
});

Deno.test("DFTest AlreadyRegistered: agree, then failure already-registered", () => {
  const state = freshState();
  run(state, corpusMessage("jade-dftest-register"));
  const req = corpusMessage("jade-dftest-alreadyregistered");
  const { replies } = run(state, req);
  assert.deepEqual(acts(replies), ["agree", "failure"]);
  assert.deepEqual(assertException(replies[1], req, "failure"), { kind: "already-registered" });
  assert.match(replies[1].content as string, / already-registered\)$/);
});

Deno.test("DFTest Modify: agree, then inform; the registration is replaced", () => {
  const state = freshState();
  run(state, corpusMessage("jade-dftest-register"));
  const req = corpusMessage("jade-dftest-modify");
  const { replies } = run(state, req);
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  const d = getRegistration(state, DA0_KEY)!;
  assert.deepEqual(d.ontologies, ["fipa-agent-management"]);
  assert.deepEqual(d.languages, ["FIPA-SL0"]);
});

Deno.test("DFTest ModNotRegistered and NotRegistered: agree, then failure not-registered", () => {
  for (const name of ["jade-dftest-modnotregistered", "jade-dftest-notregistered"]) {
    const state = freshState();
    run(state, corpusMessage("jade-dftest-register"));
    const req = corpusMessage(name);
    const { replies } = run(state, req);
    assert.deepEqual(acts(replies), ["agree", "failure"], name);
    assert.deepEqual(assertException(replies[1], req, "failure"), { kind: "not-registered" });
  }
});

Deno.test("DFTest Deregister: agree, then inform; the registration is gone", () => {
  const state = freshState();
  run(state, corpusMessage("jade-dftest-register"));
  const req = corpusMessage("jade-dftest-deregister");
  const { outcome, replies } = run(state, req);
  assert.deepEqual(outcome.commands, [{ type: "df.deregister", name: DA0_KEY, at: NOW }]);
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  assert.equal(getRegistration(state, DA0_KEY), undefined);
});

Deno.test("DFTest MissingParameter: refuse (missing-parameter service-description name)", () => {
  const state = freshState();
  const req = corpusMessage("jade-dftest-missingparameter");
  const { outcome, replies } = run(state, req);
  assert.equal(outcome.commands.length, 0);
  assert.deepEqual(acts(replies), ["refuse"]);
  assert.deepEqual(assertException(replies[0], req, "refuse"), {
    kind: "missing-parameter",
    object: "service-description",
    parameter: "name",
  });
  // The echoed action is valid SL: JADE's empty slots come back as "".
  assert.match(replies[0].content as string, /\(service-description :name "" :type "" /);
});

Deno.test("DFTest Unauthorised: registering the DF itself is refused (unauthorised)", () => {
  const state = freshState();
  const req = corpusMessage("jade-dftest-unauthorised");
  const { outcome, replies } = run(state, req);
  assert.equal(outcome.commands.length, 0);
  assert.deepEqual(assertException(replies[0], req, "refuse"), { kind: "unauthorised" });
  assert.match(replies[0].content as string, / unauthorised\)$/);
});

Deno.test("DFTest UnsupportedV: an unknown function is refused (unsupported-function)", () => {
  const req = corpusMessage("jade-dftest-unsupportedv");
  const { replies } = run(freshState(), req);
  assert.deepEqual(assertException(replies[0], req, "refuse"), {
    kind: "unsupported-function",
    function: "function",
  });
});

Deno.test("DFTest Search: agree, then inform (result <action> (sequence <dfd>...))", () => {
  const state = freshState();
  run(state, corpusMessage("jade-dftest-register"));
  const req = corpusMessage("jade-dftest-search");
  const { replies } = run(state, req);
  assert.deepEqual(acts(replies), ["agree", "inform"]);
  assertAgree(replies[0], req);
  assertReplyEnvelope(replies[1], req);
  const r = resultFromSl(elements(replies[1])[0])!;
  assert.ok(slEquals(r.action, requestAction(req)));
  const found = (r.value as SlList).items.slice(1).map((t) =>
    dfAgentDescriptionFromSl(t as SlTerm)
  );
  // Found with its full name and the platform's address, as other platforms must see it.
  const stored = getRegistration(state, DA0_KEY)!;
  assert.deepEqual(found, [{ ...stored, name: aid(DA0, ["http://ibm10308:7778/acc"]) }]);
});

Deno.test("DF search honours max-results, the default and the cap", () => {
  const state = freshState();
  const register = (i: number) => {
    const req = corpusMessage("jade-dftest-register");
    req.sender = aid(`a${i}@${JADE_PLATFORM}`);
    req.content = (req.content as string).replace(DA0, `a${i}@${JADE_PLATFORM}`);
    assert.deepEqual(acts(run(state, req).replies), ["agree", "inform"]);
  };
  for (let i = 0; i < 7; i++) register(i);
  const search = (constraints: string, extra = {}) => {
    const req = corpusMessage("jade-dftest-search");
    req.content =
      `((action (agent-identifier :name ${DF}) (search (df-agent-description) ${constraints})))`;
    const r = resultFromSl(elements(run(state, req, extra).replies[1])[0])!;
    return (r.value as SlList).items.length - 1;
  };
  assert.equal(search("(search-constraints :max-results 2)"), 2);
  assert.equal(search("(search-constraints)"), 7);
  assert.equal(search("(search-constraints)", { defaultMaxResults: 3 }), 3);
  assert.equal(search("(search-constraints :max-results -1)", { maxResultsCap: 5 }), 5);
  assert.equal(search("(search-constraints :max-results 0)"), 0);
});

Deno.test("DF register: relative lease-time becomes absolute; a past one is refused", () => {
  const state = freshState();
  const withLease = (lease: string) => {
    const req = corpusMessage("jade-dftest-register");
    req.content = (req.content as string).replace(
      ":protocols (set ) :ontologies (set ) :languages (set ) :protocol",
      `:lease-time ${lease} :protocol`,
    );
    return req;
  };
  const { outcome } = run(state, withLease("+00000000T010000000"));
  assert.equal(outcome.commands[0].type, "df.register");
  assert.equal(getRegistration(state, DA0_KEY)!.lease_time, "2002-03-14T10:00:00.000Z");
  const past = withLease("20020314T080000000Z");
  const { replies } = run(freshState(), past);
  assert.deepEqual(assertException(replies[0], past, "refuse"), {
    kind: "unrecognised-parameter-value",
    parameter: "lease-time",
    value: "2002-03-14T08:00:00.000Z",
  });
});

Deno.test("DF register: invalid agent names are refused naming the value", () => {
  const req = corpusMessage("jade-dftest-register");
  req.content = (req.content as string).replace(
    `(df-agent-description :name (agent-identifier :name ${DA0}`,
    '(df-agent-description :name (agent-identifier :name "two words"',
  );
  const { replies } = run(freshState(), req);
  assert.deepEqual(assertException(replies[0], req, "refuse"), {
    kind: "unrecognised-parameter-value",
    parameter: "name",
    value: "two words",
  });
});

Deno.test("DF: a custom policy decides who may modify whom", () => {
  const state = freshState();
  const selfOnly = {
    mayModify: (who: { name: string }, target: { name: string }) => who.name === target.name,
  };
  const other = corpusMessage("jade-dftest-notregistered");
  const { replies } = run(state, other, selfOnly);
  assert.deepEqual(assertException(replies[0], other, "refuse"), { kind: "unauthorised" });
  assert.deepEqual(acts(run(state, corpusMessage("jade-dftest-register"), selfOnly).replies), [
    "agree",
    "inform",
  ]);
});

Deno.test("DF: the actor must be this DF", () => {
  const req = corpusMessage("jade-dftest-register");
  req.content = (req.content as string).replace(
    `(action (agent-identifier :name ${DF}`,
    "(action (agent-identifier :name df@elsewhere",
  );
  const { replies } = run(freshState(), req);
  assert.deepEqual(assertException(replies[0], req, "refuse"), {
    kind: "unrecognised-parameter-value",
    parameter: "actor",
    value: "df@elsewhere",
  });
});

Deno.test("DF two-step: results of a failed commit or a count mismatch give failure", () => {
  const out = handleManagementMessage(context(freshState()), corpusMessage("jade-dftest-register"));
  const pending = JSON.parse(JSON.stringify(out.pending!));
  const f = failRequest(pending, "no leader");
  assert.equal(f.performative, "failure");
  assert.deepEqual(exceptionFromSl(elements(f)[1]), {
    kind: "internal-error",
    message: "no leader",
  });
  const mismatch = completeRequest(pending, []);
  assert.match(mismatch.content as string, /expected 1 command result\(s\), got 0/);
  const other = completeRequest(pending, [{
    ok: false,
    reason: "unsupported-value",
    message: "x",
  }]);
  assert.deepEqual(exceptionFromSl(elements(other)[1]), { kind: "internal-error", message: "x" });
  assert.ok(slEquals(elements(other)[0], parseSl(pending.action)));
});

Deno.test("DF search: an entry registered by local name (POST /api/v1/services) comes back full", () => {
  const state = freshState();
  const r = apply(state, {
    type: "df.register",
    description: {
      name: aid("echo"),
      services: [],
      protocols: [],
      ontologies: [],
      languages: [],
      scope: [],
    },
    at: NOW,
  });
  assert.ok(r.ok);
  for (
    const template of [
      "(df-agent-description)",
      `(df-agent-description :name (agent-identifier :name echo@${JADE_PLATFORM}))`,
      "(df-agent-description :name (agent-identifier :name echo))",
    ]
  ) {
    const req = corpusMessage("jade-dftest-search");
    req.content =
      `((action (agent-identifier :name ${DF}) (search ${template} (search-constraints))))`;
    const { replies } = run(state, req);
    const res = resultFromSl(elements(replies[1])[0])!;
    const found = (res.value as SlList).items.slice(1).map((t) =>
      dfAgentDescriptionFromSl(t as SlTerm)
    );
    assert.deepEqual(found.map((d) => d.name), [
      aid(`echo@${JADE_PLATFORM}`, ["http://ibm10308:7778/acc"]),
    ], template);
  }
});
