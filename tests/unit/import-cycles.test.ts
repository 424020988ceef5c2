/**
 * The runtime has no import cycles: `deno info --json` of every entry point gives the module
 * graph, and no strongly connected component of the repository's own files has more than one
 * file (type-only imports count: they tie folders together just the same).
 */
import assert from "node:assert/strict";
import { denoInfo, REPO_ROOT as ROOT } from "../support/deno-info.ts";

const ENTRY_POINTS = ["main.ts", "cli/main.ts"];

/** The repository's own files and their imports among themselves. */
async function importGraph(entry: string): Promise<Map<string, string[]>> {
  const info = await denoInfo(entry);
  const own = (s: string) => s.startsWith(ROOT.href);
  const graph = new Map<string, string[]>();
  for (const m of info.modules) {
    if (!own(m.specifier)) continue;
    const deps = (m.dependencies ?? []).flatMap((d) => [d.code?.specifier, d.type?.specifier])
      .filter((s): s is string => s !== undefined && own(s));
    graph.set(m.specifier.slice(ROOT.href.length), [
      ...new Set(deps.map((s) => s.slice(ROOT.href.length))),
    ]);
  }
  return graph;
}

/** Strongly connected components with more than one file (Tarjan), i.e. the cycles. */
export function cycles(graph: Map<string, string[]>): string[][] {
  let next = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const on = new Set<string>();
  const found: string[][] = [];
  const visit = (v: string) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    on.add(v);
    for (const w of graph.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, index.get(w)!));
    }
    if (low.get(v) === index.get(v)) {
      const scc: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        on.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1) found.push(scc.sort());
    }
  };
  for (const v of graph.keys()) if (!index.has(v)) visit(v);
  return found;
}

Deno.test("cycles: finds a three-file cycle and ignores a chain", () => {
  const g = new Map([["a", ["b"]], ["b", ["c"]], ["c", ["a"]], ["d", ["a"]]]);
  assert.deepEqual(cycles(g), [["a", "b", "c"]]);
  assert.deepEqual(cycles(new Map([["a", ["b"]], ["b", []]])), []);
});

for (const entry of ENTRY_POINTS) {
  Deno.test(`${entry} imports no module that imports it back`, async () => {
    const found = cycles(await importGraph(entry));
    assert.deepEqual(found, [], `import cycles:\n${found.map((c) => c.join(" → ")).join("\n")}`);
  });
}
