import assert from "node:assert/strict";
import { markdown, type StoredResult } from "../../../bench/lib/results.ts";
import { selfTimes } from "../../../bench/lib/cpu-profile.ts";
import { description } from "../../../bench/lib/write-clients.ts";

Deno.test("bench markdown: one section per stored result with its own date, pipes escaped", () => {
  const results: StoredResult[] = [
    {
      id: "a",
      title: "A",
      date: "2026-01-01T00:00:00.000Z",
      deno: "2.9.6",
      cpus: 2,
      figures: [{
        name: "x | y",
        value: 1234.5,
        unit: "req/s",
        baseline: { name: "bare", value: 2469, unit: "req/s" },
        ratio: 0.5,
        goal: "≥ 0.5",
        note: "p50 1 ms",
      }],
    },
    { id: "b", title: "B", figures: [{ name: "y", value: 0.5, unit: "ms", ratio: NaN }] },
  ];
  const md = markdown(results);
  assert.match(md, /## A \(`a`\)/);
  assert.match(md, /Measured 2026-01-01T00:00:00.000Z \(Deno 2.9.6, 2 CPUs\)/);
  assert.match(
    md,
    /\| x \\\| y \| 1,235 req\/s \| 2,469 req\/s \(bare\) \| 0\.500 \| ≥ 0\.5 \| p50 1 ms \|/,
  );
  assert.match(md, /## B \(`b`\)/);
  // A NaN ratio is left empty, not printed.
  assert.ok(md.includes("| y | 0.500 ms |  |  |  |  |"), md);
});

Deno.test("bench cpu profile: self time per function, largest first", () => {
  const frame = (functionName: string, lineNumber: number) => ({
    functionName,
    url: "file:///work/main/runtime/x.ts",
    lineNumber,
  });
  const rows = selfTimes({
    nodes: [{ id: 1, callFrame: frame("a", 0) }, { id: 2, callFrame: frame("b", 9) }],
    samples: [1, 2, 2, 2],
    timeDeltas: [1000, 1000, 2000, 1000],
  });
  assert.deepEqual(rows.map((r) => [r.fn, r.ms, r.share]), [
    ["b runtime/x.ts:10", 4, 0.8],
    ["a runtime/x.ts:1", 1, 0.2],
  ]);
});

Deno.test("bench write payload: a DF description naming the item", () => {
  const d = description(7, "plat");
  assert.equal(d.name.name, "agent-7@plat");
  assert.equal(d.services[0].name, "svc-7");
});
