/**
 * `deno task fuzz [rounds]`: runs every property-test file with fresh random seeds, `rounds`
 * times (default 5). `deno task test` always uses one fixed seed (tests/support/fast-check.ts),
 * so new cases are drawn here, on purpose; a failure prints fast-check's seed, and
 * `FIPA_EDGE_FC_SEED=<seed> deno test -A <file>` replays it.
 * @module
 */
const ROOT = new URL("../", import.meta.url);
const SUPPORT = "support/fast-check.ts";

/** The test files that draw cases from fast-check (they import it through the seeded module). */
async function propertyTestFiles(dir: URL, out: string[] = []): Promise<string[]> {
  for await (const e of Deno.readDir(dir)) {
    const u = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) await propertyTestFiles(u, out);
    else if (e.name.endsWith(".test.ts") && (await Deno.readTextFile(u)).includes(SUPPORT)) {
      out.push(u.pathname.slice(ROOT.pathname.length));
    }
  }
  return out.sort();
}

const rounds = Number(Deno.args[0] ?? 5);
if (!Number.isSafeInteger(rounds) || rounds < 1) {
  throw new RangeError(`rounds must be a positive integer, got '${Deno.args[0]}'`);
}
const files = await propertyTestFiles(new URL("tests/", ROOT));
let failed = 0;
for (let r = 1; r <= rounds; r++) {
  console.log(`== fuzz round ${r}/${rounds}: ${files.length} files, random seeds`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["test", "--frozen", "--allow-all", "--parallel", ...files],
    cwd: ROOT,
    env: { FIPA_EDGE_FC_SEED: "random" },
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) failed++;
}
console.log(`fuzz: ${rounds - failed} of ${rounds} rounds passed`);
Deno.exit(failed === 0 ? 0 : 1);
