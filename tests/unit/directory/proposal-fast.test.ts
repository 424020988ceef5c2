// The hand-written check of a Raft entry's DF proposal (`isCanonicalProposal`) against the
// zod schema (`DirectoryProposalSchema`): wherever the check says yes, the schema accepts the
// value and returns an equal one (same keys, same order); the proposals the leader writes
// (the schema's own output) pass it. Seeded property tests over valid proposals, mutated
// proposals and arbitrary values, and the directory machine applies both paths alike.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { arbAgentIdentifier, arbAgentName } from "../../support/acl-arbitraries.ts";
import {
  type DirectoryProposal,
  DirectoryProposalSchema,
  isCanonicalProposal,
} from "../../../runtime/directory/mod.ts";
import { DirectoryMachine } from "../../../runtime/cluster/directory-machine.ts";
import type { NormalEntry } from "../../../runtime/raft/mod.ts";

const RUNS = { numRuns: 400 };

const arbText = fc.oneof(
  { arbitrary: fc.string({ minLength: 1, maxLength: 12 }), weight: 12 },
  { arbitrary: fc.constantFrom("", " ", "x".repeat(1024), "x".repeat(1025)), weight: 1 },
);
const arbTexts = fc.array(arbText, { maxLength: 3 });
const arbInstant = fc.oneof(
  fc.date({ min: new Date("1970-01-01"), max: new Date("2999-12-31"), noInvalidDate: true })
    .map((d) => d.toISOString()),
  fc.constantFrom(
    "2026-01-01T00:00:00Z",
    "2026-01-01T00:00:00+02:00",
    "2026-02-29T00:00:00Z",
    "2024-02-29T23:59:59.5-11:30",
    "2026-13-01T00:00:00Z",
    "2026-01-01T24:00:00Z",
    "2026-01-01T00:00Z",
    "2026-01-01 00:00:00Z",
    "2026-01-01T00:00:00",
    "not a time",
  ),
);
const arbPropertyValue = fc.oneof(
  { arbitrary: fc.string({ maxLength: 8 }), weight: 3 },
  { arbitrary: fc.double(), weight: 3 },
  { arbitrary: fc.boolean(), weight: 3 },
  { arbitrary: fc.record({ sl: fc.string({ maxLength: 8 }) }), weight: 3 },
  { arbitrary: fc.constantFrom(null, [], {}), weight: 1 },
);
const arbService = fc.record({
  name: arbText,
  type: arbText,
  protocols: arbTexts,
  ontologies: arbTexts,
  languages: arbTexts,
  ownership: arbText,
  properties: fc.array(fc.record({ name: arbText, value: arbPropertyValue }), { maxLength: 2 }),
}, { requiredKeys: [] });
const arbDescription = fc.record({
  name: fc.oneof(arbAgentIdentifier(2), arbAgentName.map((name) => ({ name }))),
  services: fc.array(arbService, { maxLength: 3 }),
  protocols: arbTexts,
  ontologies: arbTexts,
  languages: arbTexts,
  lease_time: arbInstant,
  scope: arbTexts,
}, { requiredKeys: ["name"] });
/** A DF proposal as a client's request may make it (valid or not). */
const arbInput = fc.record({
  request_id: fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constant("")),
  command: fc.oneof(
    fc.record({
      type: fc.constantFrom("df.register", "df.modify"),
      description: arbDescription,
      at: arbInstant,
    }),
    fc.record({ type: fc.constant("df.deregister"), name: arbAgentName, at: arbInstant }),
  ),
});

/** As the entry reaches a replica: JSON text decoded. */
function decoded(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v));
}

/** The equivalence: a yes of the check is the schema's yes, with the value unchanged. */
function agrees(v: unknown): boolean {
  const fast = isCanonicalProposal(v);
  if (fast) {
    const r = DirectoryProposalSchema.safeParse(v);
    assert.ok(r.success, `the check accepted what the schema refuses: ${JSON.stringify(v)}`);
    assert.deepEqual(r.data, v);
    assert.equal(JSON.stringify(r.data), JSON.stringify(v));
  }
  return fast;
}

/** What the schema makes of `v`, if it accepts it. */
function schemaOutput(v: unknown): DirectoryProposal | undefined {
  const r = DirectoryProposalSchema.safeParse(v);
  return r.success ? r.data : undefined;
}

Deno.test("the leader's DF proposals (the schema's output) pass the check, unchanged", () => {
  let passed = 0;
  fc.assert(
    fc.property(arbInput, (input) => {
      const out = schemaOutput(input);
      if (out === undefined) return;
      const entry = decoded(out);
      assert.ok(agrees(entry), `refused a canonical proposal: ${JSON.stringify(entry)}`);
      passed++;
    }),
    RUNS,
  );
  assert.ok(passed > 50, `only ${passed} valid proposals generated`);
});

Deno.test("a client's raw DF request (defaults missing) is left to the schema", () => {
  const raw = {
    request_id: "r1",
    command: {
      type: "df.register",
      description: { name: { name: "a@p" } },
      at: "2026-01-01T00:00:00Z",
    },
  };
  assert.equal(agrees(raw), false);
  assert.ok(DirectoryProposalSchema.safeParse(raw).success);
});

Deno.test("mutated proposals: the check never accepts what the schema refuses or changes", () => {
  const arbMutated = fc.tuple(
    arbInput,
    fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    fc
      .jsonValue({ maxDepth: 2 }),
  )
    .map(([input, picks, junk]) => {
      const v = decoded(schemaOutput(input) ?? input) as Record<string, unknown>;
      // Walk down to an object along the picks and replace, drop or add one of its keys.
      let o: Record<string, unknown> = v;
      for (const p of picks.slice(0, -1)) {
        const kids = Object.values(o).filter((x) => x !== null && typeof x === "object");
        if (kids.length === 0) break;
        o = kids[p % kids.length] as Record<string, unknown>;
      }
      const keys = Object.keys(o);
      const last = picks.at(-1)!;
      if (last % 3 === 0 || keys.length === 0) o[`extra${last % 2}`] = junk;
      else if (last % 3 === 1) delete o[keys[last % keys.length]];
      else o[keys[last % keys.length]] = junk;
      return v;
    });
  fc.assert(fc.property(arbMutated, (v) => void agrees(v)), { numRuns: 1500 });
});

Deno.test("arbitrary values: the check never accepts what the schema refuses", () => {
  fc.assert(fc.property(fc.jsonValue({ maxDepth: 4 }), (v) => void agrees(v)), RUNS);
});

Deno.test("the directory machine applies a DF entry alike through either path", () => {
  fc.assert(
    fc.property(arbInput, (input) => {
      const out = schemaOutput(input);
      if (out === undefined) return;
      const text = JSON.stringify(out);
      // The same command without its defaults takes the schema's path.
      const entry = (data: string): NormalEntry =>
        ({
          type: "normal",
          index: 1,
          term: 1,
          data: new TextEncoder().encode(data),
        }) as NormalEntry;
      const fast = new DirectoryMachine();
      const slow = new DirectoryMachine();
      const raw = JSON.stringify(input);
      assert.deepEqual(fast.apply(entry(text)), slow.apply(entry(raw)));
      assert.deepEqual(fast.state.registrations, slow.state.registrations);
    }),
    { numRuns: 150 },
  );
});

Deno.test("every field of a proposal replaced or dropped: the check never disagrees", () => {
  const junk: unknown[] = [
    "",
    "x".repeat(1025),
    "x".repeat(65537),
    5,
    1.5,
    true,
    null,
    [],
    {},
    [
      "",
    ],
    { sl: "" },
    { sl: "x".repeat(65537) },
    "2026-01-01T00:00:00",
    Array(257).fill("a"),
  ];
  /** Every path to a value inside `v` (object keys and array indexes). */
  const paths = (v: unknown, at: (string | number)[] = []): (string | number)[][] => {
    if (v === null || typeof v !== "object") return [at];
    const kids = Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
      paths(x, [...at, Array.isArray(v) ? Number(k) : k])
    );
    return [at, ...kids];
  };
  fc.assert(
    fc.property(arbInput, (input) => {
      const out = schemaOutput(input);
      if (out === undefined) return;
      for (const path of paths(out)) {
        if (path.length === 0) continue;
        for (const j of [...junk, undefined]) {
          const v = decoded(out) as Record<string | number, unknown>;
          let o = v;
          for (const k of path.slice(0, -1)) o = o[k] as Record<string | number, unknown>;
          const last = path.at(-1)!;
          if (j === undefined) {
            if (Array.isArray(o)) o.splice(last as number, 1);
            else delete o[last];
          } else o[last] = j;
          agrees(v);
        }
      }
    }),
    { numRuns: 100 },
  );
});
