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

/** Formats results as a Markdown table. */
export function markdown(results: BenchResult[], meta: Record<string, unknown>): string {
  const lines = [`# Benchmark results`, "", "```", JSON.stringify(meta), "```", ""];
  for (const r of results) {
    lines.push(
      `## ${r.title} (\`${r.id}\`)`,
      "",
      "| figure | value | baseline | ratio | goal |",
      "| --- | --- | --- | --- | --- |",
    );
    for (const f of r.figures) {
      const b = f.baseline
        ? `${fmt(f.baseline.value)} ${f.baseline.unit} (${f.baseline.name})`
        : "";
      lines.push(
        `| ${f.name} | ${fmt(f.value)} ${f.unit} | ${b} | ${
          f.ratio === undefined ? "" : f.ratio.toFixed(3)
        } | ${f.goal ?? ""} |`,
      );
    }
    lines.push("");
  }
  return lines.join("\n");
}

function fmt(x: number): string {
  return Math.abs(x) >= 100 ? Math.round(x).toLocaleString("en-US") : x.toPrecision(3);
}
