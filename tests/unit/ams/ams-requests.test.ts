import assert from "node:assert/strict";
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import {
  FIPA_STATE,
  handleManagementMessage,
  lifecycleStatesOf,
} from "../../../runtime/ams/mod.ts";
import {
  apply,
  type DirectoryState,
  LIFECYCLE_STATES,
  type LifecycleState,
} from "../../../runtime/directory/mod.ts";
import {
  amsAgentDescriptionFromSl,
  apDescriptionFromSl,
  exceptionFromSl,
  parseSlContent,
  resultFromSl,
  slEquals,
  type SlList,
  type SlTerm,
} from "../../../runtime/sl/mod.ts";
import { acts, context, elements, freshState } from "./fixtures.ts";

const PLATFORM = "node-a";
const AMS = `ams@${PLATFORM}`;
const ADDR = "http://node-a:7778/acc";

function request(call: string, extra: Partial<AclMessage> = {}): AclMessage {
  return {
    performative: "request",
    sender: aid("rma@node-b"),
    receivers: [aid(AMS)],
    content: `((action (agent-identifier :name ${AMS}) ${call}))`,
    language: "fipa-sl0",
    ontology: "FIPA-Agent-Management",
    protocol: "fipa-request",
    conversation_id: "C1",
    reply_with: "rma1",
    ...extra,
  };
}

function handle(state: DirectoryState, msg: AclMessage, addresses = [ADDR]) {
  return handleManagementMessage(context(state, { platform: PLATFORM, addresses }), msg);
}

function populate(): DirectoryState {
  const s = freshState();
  LIFECYCLE_STATES.forEach((state: LifecycleState, i) => {
    const r = apply(s, {
      type: "agent.register",
      name: `a${i}`, // the directory keys hosted agents by local name
      node: PLATFORM,
      state,
      manifest: { capabilities: [], limits: {} },
      component_hash: "sha256:" + "00".repeat(32),
      owner: i % 2 ? "alice" : "bob",
      at: "2026-01-01T00:00:00Z",
    });
    assert.ok(r.ok);
  });
  return s;
}

function resultItems(reply: AclMessage, req: AclMessage): SlTerm[] {
  const r = resultFromSl(elements(reply)[0])!;
  assert.ok(slEquals(r.action, parseSlContent(req.content as string)[0]));
  assert.equal((r.value as SlList).items[0].kind, "word");
  return (r.value as SlList).items.slice(1) as SlTerm[];
}

Deno.test("AMS get-description: agree, then the ap-description with the HTTP MTP", () => {
  const req = request("(get-description)");
  const out = handle(freshState(), req);
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  const inform = out.replies[1];
  assert.equal(inform.sender!.name, AMS);
  assert.deepEqual(inform.sender!.addresses, [ADDR]);
  assert.equal(inform.in_reply_to, "rma1");
  assert.equal(inform.conversation_id, "C1");
  const [ap] = resultItems(inform, req);
  assert.deepEqual(apDescriptionFromSl(ap), {
    name: PLATFORM,
    ap_services: [{
      name: "fipa.mts.mtp.http.std",
      type: "fipa.mts.mtp.http.std",
      addresses: [ADDR],
    }],
  });
  assert.equal(
    inform.content,
    `((result (action (agent-identifier :name ${AMS}) (get-description)) (sequence ` +
      `(ap-description :name node-a :ap-services (sequence (ap-service :name fipa.mts.mtp.http.std ` +
      `:type fipa.mts.mtp.http.std :addresses (sequence ${ADDR})))))))`,
  );
  const none = handle(freshState(), req, []);
  assert.deepEqual(apDescriptionFromSl(resultItems(none.replies[1], req)[0]).ap_services, []);
});

Deno.test("AMS search: by state, ownership and name, with FIPA states", () => {
  const s = populate();
  const search = (template: string, constraints = "(search-constraints)") => {
    const req = request(`(search (ams-agent-description ${template}) ${constraints})`);
    const out = handle(s, req);
    assert.deepEqual(acts(out.replies), ["agree", "inform"]);
    return resultItems(out.replies[1], req).map((t) => amsAgentDescriptionFromSl(t));
  };
  const all = search("");
  // The platform's own AMS and DF first (as JADE's AMS lists them), then the agents.
  assert.equal(all.length, LIFECYCLE_STATES.length + 2);
  assert.deepEqual(all.slice(0, 2), [
    { name: aid(AMS, [ADDR]), state: "active" },
    { name: aid(`df@${PLATFORM}`, [ADDR]), state: "active" },
  ]);
  // Full names with the platform's addresses, never the bare local name.
  assert.deepEqual(all[2], {
    name: aid(`a0@${PLATFORM}`, [ADDR]),
    state: "initiated",
    ownership: "bob",
  });
  const active = search(":state active");
  assert.deepEqual(active.map((d) => d.name!.name), [
    AMS,
    `df@${PLATFORM}`,
    `a2@${PLATFORM}`,
    `a3@${PLATFORM}`,
  ]);
  assert.deepEqual(search(":state active :ownership alice").map((d) => d.name!.name), [
    `a3@${PLATFORM}`,
  ]);
  // A template names an agent by full or local name alike.
  for (const name of [`a6@${PLATFORM}`, "a6", `A6@${PLATFORM}`.toLowerCase()]) {
    assert.deepEqual(search(`:name (agent-identifier :name ${name})`).map((d) => d.state), [
      "waiting",
    ]);
  }
  assert.deepEqual(search(`:name (agent-identifier :name df@${PLATFORM})`), [
    { name: aid(`df@${PLATFORM}`, [ADDR]), state: "active" },
  ]);
  assert.deepEqual(search(":name (agent-identifier :name nobody@x)"), []);
  assert.deepEqual(search(":name (agent-identifier :name a6@elsewhere)"), []);
  assert.equal(search("", "(search-constraints :max-results 3)").length, 3);
  assert.equal(search("", "(search-constraints :max-depth 2 :max-results 4)").length, 4);
  for (const st of LIFECYCLE_STATES) assert.ok(lifecycleStatesOf(FIPA_STATE[st]).includes(st));
});

Deno.test("AMS refuses what it does not do", () => {
  const s = populate();
  const register = request(
    "(register (ams-agent-description :name (agent-identifier :name x@ior:002233) :ownership Test :state active))",
  );
  const out = handle(s, register);
  assert.deepEqual(acts(out.replies), ["refuse"]);
  assert.equal(out.commands.length, 0);
  // An agent of another platform is not this AMS's to register.
  assert.deepEqual(exceptionFromSl(elements(out.replies[0])[1]), {
    kind: "unrecognised-parameter-value",
    parameter: "name",
    value: "x@ior:002233",
  });
  const dfTemplate = handle(s, request("(search (df-agent-description) (search-constraints))"));
  assert.deepEqual(exceptionFromSl(elements(dfTemplate.replies[0])[1]), {
    kind: "unrecognised-parameter-value",
    parameter: "description",
    value: "(df-agent-description)",
  });
  const badState = handle(s, request("(search (ams-agent-description :state sleeping))"));
  assert.deepEqual(exceptionFromSl(elements(badState.replies[0])[1]), {
    kind: "unrecognised-parameter-value",
    parameter: "state",
    value: "sleeping",
  });
});

Deno.test("AMS by its local name: `ams` as receiver and actor is answered, not dropped", () => {
  const req = request("(get-description)", {
    sender: aid("client@node-a"),
    receivers: [aid("ams")],
    content: "((action (agent-identifier :name ams) (get-description)))",
  });
  const out = handle(freshState(), req);
  assert.deepEqual(acts(out.replies), ["agree", "inform"]);
  assert.equal(out.replies[1].sender!.name, AMS);
  // Another platform's AMS is not this one.
  const elsewhere = handle(freshState(), { ...req, receivers: [aid("ams@node-b")] });
  assert.deepEqual(acts(elsewhere.replies), []);
});

Deno.test("AMS register, modify and deregister: authorised callers, FIPA states as actions", () => {
  const s = populate(); // a0..a7: a2 running, a6 hibernated, a7 failed
  const manage = (call: string, sender = "a2@node-a", mayManage?: () => boolean) =>
    handleManagementMessage(
      context(s, { platform: PLATFORM, addresses: [ADDR], ...(mayManage ? { mayManage } : {}) }),
      request(call, { sender: aid(sender) }),
    );
  const desc = (name: string, slots = "") =>
    `(ams-agent-description :name (agent-identifier :name ${name})${slots})`;
  // By default an agent manages only itself.
  const other = manage(`(modify ${desc("a3", " :state suspended")})`);
  assert.deepEqual(acts(other.replies), ["refuse"]);
  assert.deepEqual(exceptionFromSl(elements(other.replies[0])[1]), { kind: "unauthorised" });
  // Itself, by local or full name: suspended stops it (the shell carries it out).
  for (const name of ["a2", `a2@${PLATFORM}`]) {
    const own = manage(`(modify ${desc(name, " :state suspended")})`);
    assert.deepEqual(acts(own.replies), ["agree"]);
    assert.deepEqual(
      { action: own.manage?.action, agent: own.manage?.agent, node: own.manage?.node },
      { action: "stop", agent: "a2", node: PLATFORM },
    );
  }
  const allowed = () => true;
  assert.equal(
    manage(`(modify ${desc("a7", " :state active")})`, "x@y", allowed).manage?.action,
    "start",
  );
  assert.equal(
    manage(`(modify ${desc("a3", " :state waiting")})`, "x@y", allowed).manage?.action,
    "hibernate",
  );
  assert.equal(manage(`(deregister ${desc("a3")})`, "x@y", allowed).manage?.action, "remove");
  // A state it already has is done at once; a state no action gives is refused.
  const same = manage(`(modify ${desc("a2", " :state active")})`);
  assert.deepEqual(acts(same.replies), ["agree", "inform"]);
  assert.match(same.replies[1].content as string, /^\(\(done /);
  const transit = manage(`(modify ${desc("a2", " :state transit")})`);
  assert.deepEqual(exceptionFromSl(elements(transit.replies[0])[1]), {
    kind: "unsupported-value",
    parameter: "state",
  });
  const owner = manage(`(modify ${desc("a2", " :ownership mallory")})`);
  assert.deepEqual(exceptionFromSl(elements(owner.replies[0])[1]), {
    kind: "unsupported-value",
    parameter: "ownership",
  });
  // Register: a hosted name is already registered; a new one cannot be created here.
  const again = manage(`(register ${desc("a2")})`);
  assert.deepEqual(acts(again.replies), ["agree", "failure"]);
  assert.deepEqual(exceptionFromSl(elements(again.replies[1])[1]), { kind: "already-registered" });
  const fresh = manage(`(register ${desc("newbie")})`, "newbie@node-a");
  assert.deepEqual(acts(fresh.replies), ["refuse"]);
  assert.match(fresh.replies[0].content as string, /POST \/api\/v1\/agents/);
  // Unknown agents fail not-registered; the platform's own agents are nobody's to manage.
  const gone = manage(`(deregister ${desc("ghost")})`, "ghost@node-a");
  assert.deepEqual(exceptionFromSl(elements(gone.replies[1])[1]), { kind: "not-registered" });
  const df = manage(`(deregister ${desc(`df@${PLATFORM}`)})`, "x@y", allowed);
  assert.deepEqual(exceptionFromSl(elements(df.replies[0])[1]), { kind: "unauthorised" });
});
