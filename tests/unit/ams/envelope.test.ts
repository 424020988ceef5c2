import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import { handleManagementMessage, isFipaSl, managementTarget } from "../../../runtime/ams/mod.ts";
import {
  exceptionFromSl,
  headOf,
  isKeyword,
  type SlList,
  type SlTerm,
} from "../../../runtime/sl/mod.ts";
import { acts, context, corpusMessage, elements, freshState, JADE_PLATFORM } from "./fixtures.ts";

function notUnderstoodReason(replies: ReturnType<typeof handleManagementMessage>["replies"]) {
  assert.deepEqual(acts(replies), ["not-understood"]);
  const [act, reason] = elements(replies[0]);
  assert.ok(isKeyword((act as SlList).items[0], "action"));
  return { act: act as SlList, reason: exceptionFromSl(reason) };
}

Deno.test("management: FIPA-SL languages are accepted in any case", () => {
  for (const l of ["fipa-sl", "FIPA-SL0", "fipa-sl1", "Fipa-Sl2"]) assert.ok(isFipaSl(l), l);
  for (const l of [undefined, "fipa-sl3", "sl0", "Prolog"]) assert.ok(!isFipaSl(l), String(l));
});

Deno.test("management: wrong language, ontology or protocol is not-understood", () => {
  const cases: [Partial<Record<"language" | "ontology" | "protocol", string>>, string][] = [
    [{ language: "Prolog" }, "language"],
    [{ ontology: "jade-agent-management" }, "ontology"],
    [{ protocol: "fipa-query" }, "protocol"],
  ];
  for (const [change, parameter] of cases) {
    const msg = { ...corpusMessage("jade-dftest-register"), ...change };
    const out = handleManagementMessage(context(freshState()), msg);
    assert.equal(out.commands.length, 0);
    const { act, reason } = notUnderstoodReason(out.replies);
    assert.deepEqual(reason, { kind: "unsupported-value", parameter });
    // The act not understood is the request itself, as a term.
    const request = act.items[2] as SlList;
    assert.equal(headOf(request), "request");
    assert.equal(out.replies[0].conversation_id, msg.conversation_id);
    assert.equal(out.replies[0].in_reply_to, msg.reply_with);
  }
  const noLanguage = corpusMessage("jade-dftest-register");
  delete noLanguage.language;
  const { reason } = notUnderstoodReason(
    handleManagementMessage(context(freshState()), noLanguage).replies,
  );
  assert.deepEqual(reason, { kind: "unsupported-value", parameter: "language" });
});

Deno.test("management: unparseable content is not-understood with the position", () => {
  const msg = corpusMessage("jade-dftest-register");
  msg.content = "((action (agent-identifier :name df@x) (register)";
  const out = handleManagementMessage(context(freshState()), msg);
  const { reason } = notUnderstoodReason(out.replies);
  assert.deepEqual(reason, { kind: "unrecognised-value", parameter: "content" });
  assert.match(
    out.replies[0].user_params!["X-error"],
    /expected "\)" to close the list .* but found end of input/,
  );

  for (const content of ["(true false)", '"just a string"', "((done x))"]) {
    const m = { ...msg, content };
    const { reason } = notUnderstoodReason(
      handleManagementMessage(context(freshState()), m).replies,
    );
    assert.deepEqual(reason, { kind: "unrecognised-value", parameter: "content" }, content);
  }
  const json = { ...msg, content: { register: "me" } };
  const r = notUnderstoodReason(handleManagementMessage(context(freshState()), json).replies);
  assert.deepEqual(r.reason, { kind: "unrecognised-value", parameter: "content" });
});

Deno.test("management: other acts are not-understood (unsupported-act); answers are ignored", () => {
  const query = { ...corpusMessage("jade-dftest-search"), performative: "query-ref" as const };
  const { reason } = notUnderstoodReason(
    handleManagementMessage(context(freshState()), query).replies,
  );
  assert.deepEqual(reason, { kind: "unsupported-act", act: "query-ref" });
  for (const p of ["inform", "not-understood", "failure", "agree", "refuse"] as const) {
    const m = { ...corpusMessage("jade-dftest-search"), performative: p };
    assert.deepEqual(handleManagementMessage(context(freshState()), m), {
      replies: [],
      commands: [],
    });
  }
  const amsSubscribe = {
    ...corpusMessage("jade-dftest-search"),
    performative: "subscribe" as const,
    receivers: [aid(`ams@${JADE_PLATFORM}`)],
  };
  // The AMS takes subscriptions (platform events) now: this one is refused for its
  // protocol (fipa-request where fipa-subscribe is due), not for its act.
  const r = notUnderstoodReason(
    handleManagementMessage(context(freshState()), amsSubscribe).replies,
  );
  assert.notEqual(r.reason?.kind, "unsupported-act");
});

Deno.test("management: only messages for the AMS/DF with someone to answer get replies", () => {
  const toOther = { ...corpusMessage("jade-dftest-register"), receivers: [aid("echo@x")] };
  assert.equal(managementTarget(JADE_PLATFORM, toOther), undefined);
  assert.deepEqual(handleManagementMessage(context(freshState()), toOther), {
    replies: [],
    commands: [],
  });
  const anonymous = corpusMessage("jade-dftest-register");
  delete anonymous.sender;
  assert.deepEqual(handleManagementMessage(context(freshState()), anonymous), {
    replies: [],
    commands: [],
  });
  const upper = {
    ...corpusMessage("jade-dftest-register"),
    receivers: [aid(`DF@${JADE_PLATFORM.toLowerCase()}`)],
  };
  assert.equal(managementTarget(JADE_PLATFORM, upper), "df");
});

Deno.test("management: replies go to reply-to when the request names one", () => {
  const msg = { ...corpusMessage("jade-dftest-search"), reply_to: [aid("inbox@x"), aid("log@x")] };
  const out = handleManagementMessage(context(freshState()), msg);
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  for (const r of out.replies) {
    assert.deepEqual(r.receivers.map((x) => x.name), ["inbox@x", "log@x"]);
  }
  const el: SlTerm = elements(out.replies[1])[0];
  assert.equal(headOf(el), "result");
});
