/**
 * Splits the busy samples of a V8 `.cpuprofile` into areas: each sample goes to the first
 * area (in the order given) whose pattern matches a frame on its stack (function name, file
 * and line, as `cpu-profile.ts` writes them); the rest is `other`. Idle samples are left out.
 * Run: `deno run -R bench/lib/cpu-areas.ts <file.cpuprofile> name=regex ...`.
 * @module
 */

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** Busy time per area, ms, in the order given, then `other`. */
export function areaTimes(
  profile: { nodes: Node[]; samples: number[]; timeDeltas: number[] },
  areas: [string, RegExp][],
): Map<string, number> {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const key = (n: Node) =>
    `${n.callFrame.functionName || "(anonymous)"} ${n.callFrame.url}:${n.callFrame.lineNumber + 1}`;
  const out = new Map<string, number>([...areas.map(([a]) => [a, 0] as [string, number]), [
    "other",
    0,
  ]]);
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0) / 1000;
    const leaf = byId.get(id);
    if (!leaf || leaf.callFrame.functionName === "(idle)") return;
    const stack: string[] = [];
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (n) stack.push(key(n));
    }
    const area = areas.find(([, re]) => stack.some((f) => re.test(f)))?.[0] ?? "other";
    out.set(area, out.get(area)! + dt);
  });
  return out;
}

if (import.meta.main) {
  const [file, ...specs] = Deno.args;
  const areas = specs.map((s) => {
    const eq = s.indexOf("=");
    return [s.slice(0, eq), new RegExp(s.slice(eq + 1))] as [string, RegExp];
  });
  const t = areaTimes(JSON.parse(await Deno.readTextFile(file)), areas);
  const total = [...t.values()].reduce((a, b) => a + b, 0);
  for (const [a, ms] of t) {
    console.log(
      `${(ms / total * 100).toFixed(1).padStart(5)} %  ${ms.toFixed(0).padStart(6)} ms  ${a}`,
    );
  }
}
