/** Load generation with wrk (Debian package `wrk`), installed on first use when missing. */

async function run(cmd: string, args: string[]): Promise<{ code: number; out: string }> {
  try {
    const o = await new Deno.Command(cmd, { args, stdout: "piped", stderr: "piped" }).output();
    const dec = new TextDecoder();
    return { code: o.code, out: dec.decode(o.stdout) + dec.decode(o.stderr) };
  } catch (e) {
    return { code: 127, out: (e as Error).message };
  }
}

/** Makes sure `wrk` is on PATH, installing the Debian package as root if needed. */
export async function ensureWrk(): Promise<void> {
  // A failed spawn (code 127) also names `wrk` in its message: only a run counts.
  const has = async () => {
    const v = await run("wrk", ["--version"]);
    return v.code !== 127 && v.out.includes("wrk");
  };
  if (await has()) return;
  console.error("bench: installing wrk (apt-get)...");
  await run("apt-get", ["update", "-qq"]);
  const r = await run("apt-get", ["install", "-y", "-qq", "wrk"]);
  if (!(await has())) {
    throw new Error(`wrk is not available and could not be installed: ${r.out.slice(-500)}`);
  }
}

/** What wrk measured. */
export interface WrkResult {
  rps: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
}

function ms(v: string, unit: string): number {
  const x = Number(v);
  return unit === "us" ? x / 1000 : unit === "s" ? x * 1000 : x;
}

/**
 * Runs wrk against `url` with a POST body, pinned to `cpu` when given (the server should be
 * pinned to the other core), and parses requests/s and latency percentiles.
 */
export async function wrkPost(opts: {
  url: string;
  body: string;
  /** Bodies sent in turn instead of `body` (e.g. one per receiver). */
  bodies?: string[];
  contentType: string;
  /** Extra request headers (e.g. Authorization). */
  headers?: Record<string, string>;
  connections?: number;
  seconds?: number;
  cpu?: number;
}): Promise<WrkResult> {
  const script = await Deno.makeTempFile({ suffix: ".lua" });
  await Deno.writeTextFile(
    script,
    `wrk.method = "POST"\nwrk.body = ${JSON.stringify(opts.body)}\n` +
      `wrk.headers["Content-Type"] = ${JSON.stringify(opts.contentType)}\n` +
      Object.entries(opts.headers ?? {}).map(([k, v]) =>
        `wrk.headers[${JSON.stringify(k)}] = ${JSON.stringify(v)}\n`
      ).join("") +
      (opts.bodies?.length ? roundRobin(opts.bodies) : ""),
  );
  const args = [
    "-t1",
    `-c${opts.connections ?? 64}`,
    `-d${opts.seconds ?? 5}s`,
    "--latency",
    "-s",
    script,
    opts.url,
  ];
  const r = opts.cpu === undefined
    ? await run("wrk", args)
    : await run("taskset", ["-c", String(opts.cpu), "wrk", ...args]);
  await Deno.remove(script);
  const rps = Number(r.out.match(/Requests\/sec:\s+([\d.]+)/)?.[1]);
  const p50 = r.out.match(/\s50%\s+([\d.]+)(us|ms|s)/);
  const p99 = r.out.match(/\s99%\s+([\d.]+)(us|ms|s)/);
  const non2xx = Number(r.out.match(/Non-2xx or 3xx responses:\s+(\d+)/)?.[1] ?? 0);
  if (!Number.isFinite(rps)) throw new Error(`could not parse wrk output:\n${r.out}`);
  return {
    rps,
    latencyP50Ms: p50 ? ms(p50[1], p50[2]) : NaN,
    latencyP99Ms: p99 ? ms(p99[1], p99[2]) : NaN,
    non2xx,
  };
}

/** Lua that sends `bodies` in turn (a JSON string literal is a valid Lua string literal). */
function roundRobin(bodies: string[]): string {
  return `local bodies = {${bodies.map((b) => JSON.stringify(b)).join(",\n")}}\n` +
    `local i = 0\n` +
    `request = function()\n` +
    `  i = i % #bodies + 1\n` +
    `  return wrk.format(nil, nil, nil, bodies[i])\n` +
    `end\n`;
}
