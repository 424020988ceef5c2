import fc from "../../support/fast-check.ts";
import {
  expected,
  isFinished,
  type MachineState,
  MachineStateSchema,
  type MessageSeen,
  PROTOCOL_NAMES,
  type ProtocolEvent,
  type ProtocolName,
  type Role,
  start,
  step,
} from "../../../protocols/mod.ts";
import { isPerformative, PERFORMATIVES } from "../../../runtime/acl/mod.ts";
import { assert } from "./helpers.ts";

const NAMES = ["i", "p1", "p2", "p3", "t1"];
const TIMES = ["2030-01-01T00:00:00Z", "2030-01-01T00:00:05Z", "2030-01-01T00:00:10+01:00"];

const message: fc.Arbitrary<MessageSeen> = fc.record({
  performative: fc.constantFrom(...PERFORMATIVES),
  from: fc.constantFrom(...NAMES),
  to: fc.uniqueArray(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 3 }),
  reply_by: fc.option(fc.constantFrom(...TIMES, "not-a-date"), { nil: undefined }),
  price: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  protocol: fc.option(fc.constantFrom("fipa-request", "fipa-query", "other"), { nil: undefined }),
}, { requiredKeys: ["performative", "from", "to"] }).map((m) => {
  const out: MessageSeen = { ...m, conversation_id: "c" };
  for (const k of Object.keys(out) as (keyof MessageSeen)[]) {
    if (out[k] === undefined) delete out[k];
  }
  return out;
});

const event: fc.Arbitrary<ProtocolEvent> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      type: fc.constant("message" as const),
      direction: fc.constantFrom("sent" as const, "received" as const, undefined),
      message,
    }).map((e) => e.direction === undefined ? { type: e.type, message: e.message } : e),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(...TIMES).map((at) => ({ type: "deadline" as const, at })),
  },
  {
    weight: 1,
    arbitrary: fc.option(fc.constantFrom(...NAMES), { nil: undefined }).map((party) =>
      party === undefined ? { type: "timeout" as const } : { type: "timeout" as const, party }
    ),
  },
);

const setup = fc.record({
  protocol: fc.constantFrom(...PROTOCOL_NAMES),
  role: fc.constantFrom<Role>("initiator", "participant", "observer"),
  self: fc.option(fc.constantFrom(...NAMES), { nil: undefined }),
});

/** Checks that a state is well-formed and survives a JSON round trip. */
function wellFormed(s: MachineState): void {
  const parsed = MachineStateSchema.safeParse(s);
  if (!parsed.success) assert.fail(`state fails its schema: ${parsed.error.message}`);
  assert.deepEqual(JSON.parse(JSON.stringify(s)), s);
  assert.equal(isFinished(s), s.finished);
  for (const mv of expected(s)) {
    for (const p of mv.performatives) assert.ok(isPerformative(p), `unknown performative ${p}`);
  }
}

/** One step of a random run: usually a move expected() offers (with random extras), else noise. */
const stepSeed = fc.record({
  guided: fc.integer({ min: 0, max: 3 }).map((n) => n > 0),
  pick: fc.nat(),
  noise: event,
  direction: fc.constantFrom("sent" as const, "received" as const, undefined, undefined),
  reply_by: fc.option(fc.constantFrom(...TIMES), { nil: undefined }),
  price: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
});

/** Turns a seed into an event against the current state. */
function eventFor(
  s: MachineState,
  seed: typeof stepSeed extends fc.Arbitrary<infer T> ? T : never,
  n: number,
): ProtocolEvent {
  const moves = expected(s).flatMap((mv) => mv.performatives.map((p) => ({ ...mv, p })));
  if (!seed.guided || moves.length === 0) return seed.noise;
  const mv = moves[seed.pick % moves.length];
  const message: MessageSeen = moveMessage(mv.from, mv.to, mv.p, n);
  if (seed.reply_by !== undefined) message.reply_by = seed.reply_by;
  if (seed.price !== undefined) message.price = seed.price;
  return seed.direction === undefined
    ? { type: "message", message }
    : { type: "message", direction: seed.direction, message };
}

Deno.test("property: random events never leave a machine in an undefined state", () => {
  let accepted = 0;
  let refusedCount = 0;
  fc.assert(
    fc.property(setup, fc.array(stepSeed, { maxLength: 30, size: "max" }), (cfg, seeds) => {
      let s = start(cfg.protocol, cfg.role, cfg.self === undefined ? {} : { self: cfg.self });
      wellFormed(s);
      for (const [n, seed] of seeds.entries()) {
        const e = eventFor(s, seed, n);
        const before = JSON.stringify(s);
        const r = step(s, e);
        assert.equal(JSON.stringify(s), before, "step must not modify its input");
        if (r.ok) {
          accepted += 1;
          wellFormed(r.state);
          s = r.state;
        } else {
          refusedCount += 1;
          assert.equal(e.type, "message", "only messages can be refused");
          assert.ok(PROTOCOL_NAMES.includes(r.violation.protocol));
          assert.equal(
            e.type === "message" && r.violation.got,
            e.type === "message" && e.message.performative,
          );
          assert.ok(r.violation.reason.length > 0);
          assert.ok(r.violation.expected.every(isPerformative));
        }
      }
    }),
    { numRuns: 300 },
  );
  // The runs must reach past the opening: many steps accepted, many refused.
  assert.ok(
    accepted > 1000 && refusedCount > 1000,
    `accepted ${accepted}, refused ${refusedCount}`,
  );
});

/** Builds the message for an expected move; `*` becomes a fresh agent. */
function moveMessage(
  from: string,
  to: string,
  performative: MessageSeen["performative"],
  n: number,
) {
  return {
    performative,
    from: from === "*" ? "opener" : from,
    to: [to === "*" ? `fresh${n}` : to],
    conversation_id: "c",
  };
}

Deno.test("property: every move expected() offers is accepted", () => {
  fc.assert(
    fc.property(
      fc.constantFrom(...PROTOCOL_NAMES),
      fc.array(fc.nat(), { minLength: 1, maxLength: 30, size: "max" }),
      (protocol: ProtocolName, choices) => {
        let s = start(protocol, "observer");
        for (const [n, c] of choices.entries()) {
          const all = expected(s).flatMap((mv) =>
            mv.performatives.map((p) => ({ from: mv.from, to: mv.to, p }))
          );
          if (all.length === 0) break;
          // Meta acts (cancel, not-understood) end threads early: take them a quarter of the time.
          const plain = all.filter((mv) => mv.p !== "cancel" && mv.p !== "not-understood");
          const moves = c % 4 === 0 || plain.length === 0 ? all : plain;
          const mv = moves[c % moves.length];
          const r = step(s, { type: "message", message: moveMessage(mv.from, mv.to, mv.p, n) });
          if (!r.ok) {
            assert.fail(
              `${protocol}: expected() offered ${mv.p} ${mv.from}→${mv.to} but: ${r.violation.reason}`,
            );
          }
          wellFormed(r.state);
          s = r.state;
        }
      },
    ),
    { numRuns: 300 },
  );
});
