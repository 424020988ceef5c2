/** One measured figure. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** What it was compared with in the same run, if anything. */
  baseline?: { name: string; value: number; unit: string };
  /** value / baseline.value (or the inverse for latency-like figures, stated in `note`). */
  ratio?: number;
  goal?: string;
  note?: string;
}

/** A benchmark's results, written to `bench/results/<id>.json`. */
export interface BenchResult {
  id: string;
  title: string;
  figures: Figure[];
}

const RESULTS = new URL("../results/", import.meta.url);

/** Writes one result file and returns its path. */
export async function writeResult(r: BenchResult, meta: Record<string, unknown>): Promise<string> {
  await Deno.mkdir(RESULTS, { recursive: true });
  const url = new URL(`${r.id}.json`, RESULTS);
  await Deno.writeTextFile(url, JSON.stringify({ ...meta, ...r }, null, 2) + "\n");
  return url.pathname;
}

/** A result as stored in `bench/results/<id>.json`: the result and the run it came from. */
export type StoredResult = BenchResult & { date?: string; deno?: string; cpus?: number };

/** Every stored result (`bench/results/*.json`), sorted by id; unreadable files are skipped. */
export async function readResults(): Promise<StoredResult[]> {
  const out: StoredResult[] = [];
  try {
    for await (const e of Deno.readDir(RESULTS)) {
      if (!e.isFile || !e.name.endsWith(".json")) continue;
      try {
        const r = JSON.parse(await Deno.readTextFile(new URL(e.name, RESULTS)));
        if (typeof r?.id === "string" && Array.isArray(r.figures)) out.push(r);
      } catch { /* not a result */ }
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  return out.sort((a, b) => a.id.localeCompare(b.id));
}

/**
 * Formats results as Markdown tables, one section per benchmark with the date, Deno version
 * and CPU count of the run that measured it.
 */
export function markdown(results: StoredResult[], meta: Record<string, unknown> = {}): string {
  const lines = [`# Benchmark results`, ""];
  if (Object.keys(meta).length) lines.push("```", JSON.stringify(meta), "```", "");
  for (const r of results) {
    lines.push(`## ${r.title} (\`${r.id}\`)`, "");
    if (r.date) {
      lines.push(`Measured ${r.date} (Deno ${r.deno ?? "?"}, ${r.cpus ?? "?"} CPUs).`, "");
    }
    lines.push(
      "| figure | value | baseline | ratio | goal | note |",
      "| --- | --- | --- | --- | --- | --- |",
    );
    for (const f of r.figures) {
      const b = f.baseline
        ? `${fmt(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})`
        : "";
      const cells = [
        f.name,
        `${fmt(f.value)} ${f.unit}`,
        b,
        f.ratio === undefined || !Number.isFinite(f.ratio) ? "" : f.ratio.toFixed(3),
        f.goal ?? "",
        f.note ?? "",
      ].map((c) => c.replaceAll("|", "\\|"));
      lines.push(`| ${cells.join(" | ")} |`);
    }
    lines.push("");
  }
  return lines.join("\n");
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3);
}
