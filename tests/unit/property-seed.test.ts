/**
 * Property tests are deterministic in `deno task test`: every test file takes fast-check
 * from `tests/support/fast-check.ts`, which fixes the seed (random seeds are `deno task fuzz`).
 */
import assert from "node:assert/strict";
import { propertySeed, SUITE_SEED } from "../support/fast-check.ts";

const TESTS = new URL("../", import.meta.url);

async function testFiles(dir: URL, out: URL[] = []): Promise<URL[]> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) await testFiles(u, out);
    else if (e.name.endsWith(".test.ts")) out.push(u);
  }
  return out;
}

Deno.test("no test file imports fast-check unseeded", async () => {
  const direct: string[] = [];
  for (const f of await testFiles(TESTS)) {
    if (/from\s+["']fast-check["']/.test(await Deno.readTextFile(f))) {
      direct.push(f.pathname.slice(TESTS.pathname.length));
    }
  }
  assert.deepEqual(direct, [], "import fc from tests/support/fast-check.ts instead");
});

Deno.test("the property seed: fixed by default, a number or random when asked, else a RangeError", () => {
  assert.equal(propertySeed(undefined), SUITE_SEED);
  assert.equal(propertySeed(""), SUITE_SEED);
  assert.equal(propertySeed("42"), 42);
  assert.ok(Number.isSafeInteger(propertySeed("random")));
  assert.throws(() => propertySeed("soon"), {
    name: "RangeError",
    message: /FIPA_EDGE_FC_SEED must be an integer or 'random', got 'soon'/,
  });
});
