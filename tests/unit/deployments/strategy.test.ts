import assert from "node:assert/strict";
import { DurationSchema, StrategySchema } from "../../../runtime/deployments/mod.ts";

function issue(value: unknown): [string, string] {
  const r = StrategySchema.safeParse(value);
  assert.equal(r.success, false, `accepted ${JSON.stringify(value)}`);
  const i = r.error!.issues[0];
  return [i.path.join("."), i.message];
}

Deno.test("durations: units, bare seconds, numbers; bad ones name the value", () => {
  const ms = (v: unknown) => DurationSchema.parse(v);
  assert.equal(ms("0"), 0);
  assert.equal(ms("500ms"), 500);
  assert.equal(ms("30s"), 30_000);
  assert.equal(ms("5m"), 300_000);
  assert.equal(ms("1h"), 3_600_000);
  assert.equal(ms("1.5"), 1500);
  assert.equal(ms(2), 2000);
  assert.throws(() => ms("5x"), /duration '5x' is not a number with a unit/);
  assert.throws(() => ms("25h"), /at most 24h/);
  assert.throws(() => ms(-1));
});

Deno.test("strategies: the seed's canary parses; a bare name takes the defaults", () => {
  const c = StrategySchema.parse({
    type: "canary",
    stages: [
      { percentage: 10, duration: "5m" },
      { percentage: 50, duration: "10m" },
      { percentage: 100, duration: "0" },
    ],
    rollback_on_error: true,
    error_threshold: 0.05,
  });
  assert.equal(c.type, "canary");
  if (c.type !== "canary") return;
  assert.deepEqual(c.stages.map((s) => [s.percentage, s.duration]), [
    [10, 300_000],
    [50, 600_000],
    [100, 0],
  ]);
  const bg = StrategySchema.parse("blue_green");
  assert.equal(bg.type, "blue_green");
  assert.equal(StrategySchema.parse("immediate").type, "immediate");
});

Deno.test("strategies: bad input is refused naming the field", () => {
  assert.deepEqual(issue("bogus"), [
    "type",
    "strategy type must be one of immediate, blue_green, canary, rolling",
  ]);
  assert.deepEqual(
    issue({
      type: "canary",
      stages: [{ percentage: 10, duration: "1s" }, { percentage: 50, duration: "1s" }],
    }),
    ["stages.1.percentage", "the last stage must be at 100 percent"],
  );
  assert.deepEqual(
    issue({
      type: "canary",
      stages: [{ percentage: 101, duration: "1s" }, { percentage: 100, duration: "0" }],
    }),
    ["stages.0.percentage", "percentage must be 0 to 100"],
  );
  assert.deepEqual(
    issue({
      type: "canary",
      stages: [{ percentage: 50, duration: "1s" }, { percentage: 10, duration: "1s" }, {
        percentage: 100,
        duration: "0",
      }],
    }),
    ["stages.1.percentage", "stage percentages must not decrease"],
  );
  assert.equal(issue({ type: "canary", stages: [] })[0], "stages");
  assert.equal(
    issue({ type: "canary", stages: [{ percentage: 100, duration: "0" }], error_threshold: 2 })[0],
    "error_threshold",
  );
});
