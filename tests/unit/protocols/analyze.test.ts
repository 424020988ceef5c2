import { analyze, AnalyzeRequestSchema } from "../../../protocols/mod.ts";
import { assert } from "./helpers.ts";

function check(body: unknown) {
  return analyze(AnalyzeRequestSchema.parse(body));
}

Deno.test("analyze: a legal, finished request conversation", () => {
  const r = check({
    protocol: "FIPA-REQUEST",
    messages: [
      { from: "a@n", to: "b@n", performative: "REQUEST", conversation_id: "c", reply_with: "r1" },
      { from: "b@n", to: ["a@n"], performative: "agree", conversation_id: "c", in_reply_to: "r1" },
      { from: "b@n", to: "a@n", performative: "inform", conversation_id: "c" },
    ],
  });
  assert.ok(r.legal);
  assert.equal(r.protocol, "fipa-request");
  assert.equal(r.finished, true);
  assert.equal(r.state.threads[0].state, "done");
  assert.deepEqual(r.expected, [{ from: "a@n", to: "b@n", performatives: ["not-understood"] }]);
});

Deno.test("analyze: legal but unfinished says what may come next", () => {
  const r = check({
    protocol: "fipa-contract-net",
    messages: [
      { from: "m", to: ["p1", "p2"], performative: "cfp", conversation_id: "t" },
      { from: "p1", to: "m", performative: "propose", conversation_id: "t" },
    ],
  });
  assert.ok(r.legal && !r.finished);
  assert.deepEqual(r.expected.find((e) => e.from === "p2")?.performatives, [
    "propose",
    "refuse",
    "not-understood",
  ]);
});

Deno.test("analyze: the first offending message's index, reason and what was legal", () => {
  const r = check({
    protocol: "fipa-request",
    messages: [
      { from: "a", to: "b", performative: "request", conversation_id: "c" },
      { from: "b", to: "a", performative: "agree", conversation_id: "c" },
      { from: "b", to: "a", performative: "propose", conversation_id: "c" },
      { from: "b", to: "a", performative: "inform", conversation_id: "c" },
    ],
  });
  assert.ok(!r.legal);
  assert.equal(r.index, 2);
  assert.equal(r.violation.state, "agreed");
  assert.deepEqual(r.violation.expected, ["failure", "inform", "not-understood"]);
  assert.match(r.reason, /propose/);
  assert.equal(r.state.threads[0].state, "agreed", "the state before the offence");
  const mixed = check({
    protocol: "fipa-request",
    messages: [
      { from: "a", to: "b", performative: "request", conversation_id: "c" },
      { from: "b", to: "a", performative: "agree", conversation_id: "other" },
    ],
  });
  assert.ok(!mixed.legal && mixed.index === 1);
  assert.match(mixed.reason, /conversation_id/);
});

Deno.test("analyze: reply_by against later timestamps", () => {
  const messages = (replyAt: string) => [
    {
      from: "m",
      to: ["p1", "p2"],
      performative: "cfp",
      conversation_id: "t",
      reply_by: "2030-01-01T12:00:00Z",
      timestamp: "2030-01-01T11:00:00Z",
    },
    {
      from: "p1",
      to: "m",
      performative: "propose",
      conversation_id: "t",
      timestamp: replyAt,
    },
  ];
  assert.ok(
    check({ protocol: "fipa-contract-net", messages: messages("2030-01-01T12:00:00Z") }).legal,
  );
  const late = check({
    protocol: "fipa-contract-net",
    messages: messages("2030-01-01T12:00:00.001Z"),
  });
  assert.ok(!late.legal);
  assert.equal(late.index, 1);
  assert.match(late.reason, /after the reply-by deadline 2030-01-01T12:00:00Z/);
  // The silent p2 has timed out by the time the initiator evaluates.
  const evaluated = check({
    protocol: "fipa-contract-net",
    messages: [
      ...messages("2030-01-01T11:30:00Z"),
      {
        from: "m",
        to: "p1",
        performative: "accept-proposal",
        conversation_id: "t",
        timestamp: "2030-01-01T13:00:00Z",
      },
    ],
  });
  assert.ok(evaluated.legal);
  assert.equal(evaluated.state.threads[1].state, "timed-out");
});

Deno.test("analyze: prices from content drive auction checks", () => {
  const r = check({
    protocol: "english_auction",
    messages: [
      { from: "auc", to: ["b1", "b2"], performative: "inform", conversation_id: "a" },
      { from: "auc", to: ["b1", "b2"], performative: "cfp", conversation_id: "a", content: 100 },
      {
        from: "b1",
        to: "auc",
        performative: "propose",
        conversation_id: "a",
        content: { price: 100 },
      },
      { from: "auc", to: "b1", performative: "accept-proposal", conversation_id: "a" },
      { from: "auc", to: ["b1", "b2"], performative: "cfp", conversation_id: "a", content: "95" },
    ],
  });
  assert.ok(!r.legal);
  assert.equal(r.index, 4);
  assert.match(r.reason, /must rise: 95 after 100/);
});

Deno.test("analyze: the request schema names bad values", () => {
  const bad = (body: unknown) => {
    const r = AnalyzeRequestSchema.safeParse(body);
    assert.ok(!r.success);
    return JSON.stringify(r.error.issues);
  };
  assert.match(bad({ protocol: "fipa-gossip", messages: [] }), /fipa-gossip/);
  assert.match(
    bad({
      protocol: "fipa-request",
      messages: [{ from: "a", to: "b", performative: "shout", conversation_id: "c" }],
    }),
    /performative/,
  );
  assert.match(bad({ protocol: "fipa-request", messages: [] }), /at least one message/);
  assert.match(
    bad({
      protocol: "fipa-request",
      messages: [{ from: "a", to: [], performative: "request", conversation_id: "c" }],
    }),
    /receiver/,
  );
});

Deno.test("analyze: a broker's sub-conversation under an id of its own is linked, not a violation", () => {
  const r = check({
    protocol: "fipa-brokering",
    messages: [
      { from: "i@n", to: "br@n", performative: "proxy", conversation_id: "c" },
      { from: "br@n", to: "i@n", performative: "agree", conversation_id: "c" },
      { from: "br@n", to: "t@n", performative: "request", conversation_id: "c-sub" },
      { from: "t@n", to: "br@n", performative: "agree", conversation_id: "c-sub" },
      { from: "t@n", to: "br@n", performative: "inform", conversation_id: "c-sub" },
      { from: "br@n", to: "i@n", performative: "inform", conversation_id: "c" },
    ],
  });
  assert.ok(r.legal, JSON.stringify(r));
  assert.equal(r.finished, true);
  assert.equal(r.state.subs[0].conversation_id, "c-sub");
  // The outer conversation's own messages still need its id; the sub's need the sub's.
  const wrong = check({
    protocol: "fipa-brokering",
    messages: [
      { from: "i@n", to: "br@n", performative: "proxy", conversation_id: "c" },
      { from: "br@n", to: "i@n", performative: "agree", conversation_id: "other" },
    ],
  });
  assert.ok(!wrong.legal && /not this conversation/.test(wrong.reason));
  const wrongSub = check({
    protocol: "fipa-brokering",
    messages: [
      { from: "i@n", to: "br@n", performative: "proxy", conversation_id: "c" },
      { from: "br@n", to: "i@n", performative: "agree", conversation_id: "c" },
      { from: "br@n", to: "t@n", performative: "request", conversation_id: "c-sub" },
      { from: "t@n", to: "br@n", performative: "agree", conversation_id: "c-other" },
    ],
  });
  assert.ok(!wrongSub.legal && /c-other/.test(wrongSub.reason));
});

Deno.test("analyze: recruiting, the recruited target answers under its own conversation id", () => {
  const r = check({
    protocol: "fipa-recruiting",
    messages: [
      { from: "i@n", to: "rc@n", performative: "proxy", conversation_id: "c" },
      { from: "rc@n", to: "i@n", performative: "agree", conversation_id: "c" },
      {
        from: "rc@n",
        to: "t@n",
        performative: "request",
        conversation_id: "c-sub",
        reply_to: "i@n",
      },
      { from: "t@n", to: "i@n", performative: "agree", conversation_id: "c-sub" },
      { from: "t@n", to: "i@n", performative: "inform", conversation_id: "c-sub" },
    ],
  });
  assert.ok(r.legal, JSON.stringify(r));
  assert.equal(r.state.subs[0].conversation_id, "c-sub");
});

Deno.test("analyze: JADE's auction names (fipa-auction-english, -dutch) and the old ones", () => {
  for (const protocol of ["fipa-auction-english", "fipa-english-auction"]) {
    const r = check({
      protocol,
      messages: [
        { from: "a@n", to: ["b@n"], performative: "inform", conversation_id: "c" },
        { from: "a@n", to: ["b@n"], performative: "cfp", conversation_id: "c", price: 10 },
      ],
    });
    assert.ok(r.legal, JSON.stringify(r));
    assert.equal(r.protocol, "fipa-auction-english");
  }
  assert.equal(
    check({
      protocol: "FIPA-Auction-Dutch",
      messages: [{ from: "a@n", to: ["b@n"], performative: "inform", conversation_id: "c" }],
    }).protocol,
    "fipa-auction-dutch",
  );
});
