/**
 * Top self-time functions of a V8 `.cpuprofile` (as written by `deno run --cpu-prof`).
 * Run: `deno run -R bench/lib/cpu-profile.ts <file.cpuprofile> [top]`.
 * @module
 */

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

/** One function's share of the samples. */
export interface SelfTime {
  fn: string;
  ms: number;
  share: number;
}

/** Self time per function (name, file and line), largest first. */
export function selfTimes(profile: {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}): SelfTime[] {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const us = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const n = byId.get(id);
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    total += dt;
    if (!n) return;
    const key = keyOf(n.callFrame);
    us.set(key, (us.get(key) ?? 0) + dt);
  });
  return [...us].map(([fn, t]) => ({ fn, ms: t / 1000, share: t / (total || 1) }))
    .sort((a, b) => b.ms - a.ms);
}

/**
 * Inclusive time per function (self time plus time in everything it called), largest first:
 * each sample counts once for every distinct function on its stack.
 */
export function inclusiveTimes(profile: {
  nodes: (ProfileNode & { children?: number[] })[];
  samples: number[];
  timeDeltas: number[];
}): SelfTime[] {
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const us = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const dt = Math.max(0, profile.timeDeltas[i] ?? 0);
    total += dt;
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const n = byId.get(at);
      if (!n) break;
      const key = keyOf(n.callFrame);
      if (seen.has(key)) continue;
      seen.add(key);
      us.set(key, (us.get(key) ?? 0) + dt);
    }
  });
  return [...us].map(([fn, t]) => ({ fn, ms: t / 1000, share: t / (total || 1) }))
    .sort((a, b) => b.ms - a.ms);
}

function keyOf(f: ProfileNode["callFrame"]): string {
  const file = f.url.replace(/^.*\/(node_modules|npm|registry\.npmjs\.org)\//, "npm:")
    .replace(/^file:\/\/\/work\/[^/]+\//, "");
  return `${f.functionName || "(anonymous)"} ${file}:${f.lineNumber + 1}`;
}

if (import.meta.main) {
  const [file, top] = Deno.args;
  const rows = selfTimes(JSON.parse(await Deno.readTextFile(file)));
  for (const r of rows.slice(0, Number(top ?? 25))) {
    console.log(
      `${(r.share * 100).toFixed(1).padStart(5)} %  ${r.ms.toFixed(0).padStart(7)} ms  ${r.fn}`,
    );
  }
}
