/**
 * What a sandbox Worker loads when it starts (every 32 agents start one): the code imports of
 * `worker/bootstrap.ts` (`deno info --json`, type-only imports left out) hold none of the ACL
 * codecs (the XML form's parsers, the string and JSON forms), which cost ~10 ms of CPU per
 * Worker and which a Worker never uses, and no zod (~13 ms of a ~40 ms Worker start): what
 * the Worker checks (what an agent hands the host) it checks with the schema-free rules.
 */
import assert from "node:assert/strict";
import { denoInfo, repoPath } from "../../support/deno-info.ts";

/** The modules `entry` loads when it runs (its code imports, transitively). */
async function loaded(entry: string): Promise<string[]> {
  const info = await denoInfo(entry);
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  while (todo.length) {
    const s = todo.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    for (const d of bySpecifier.get(s)?.dependencies ?? []) {
      if (d.code?.specifier) todo.push(d.code.specifier);
    }
  }
  return [...seen].map(repoPath);
}

Deno.test("a sandbox Worker loads no ACL codec", async () => {
  const mods = await loaded("runtime/sandbox/worker/bootstrap.ts");
  assert.ok(mods.includes("runtime/sandbox/worker/agent.ts"), mods.join("\n"));
  const codecs = mods.filter((m) =>
    /fast-xml-parser|saxes|runtime\/acl\/(mod|xml-|string-form|string-parser|json-form)/.test(m)
  );
  assert.deepEqual(codecs, []);
});

Deno.test("a sandbox Worker loads no zod and no ACL schema", async () => {
  const mods = await loaded("runtime/sandbox/worker/bootstrap.ts");
  assert.ok(mods.includes("runtime/sandbox/wit-message.ts"), mods.join("\n"));
  assert.ok(mods.includes("runtime/sandbox/grant-decisions.ts"), mods.join("\n"));
  const schemas = mods.filter((m) =>
    /zod|runtime\/acl\/(agent-id|message|performative)\.ts|runtime\/sandbox\/(grants|manifest|snapshot)\.ts/
      .test(m)
  );
  assert.deepEqual(schemas, []);
});
