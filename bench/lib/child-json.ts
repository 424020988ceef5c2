/** Runs a bench script as its own process and reads the JSON it reports. */

/**
 * Runs `deno run -A [--v8-flags=--expose-gc] <script> [args]` (pinned to `cpu` when
 * given), waits for it to exit and parses the last stdout line that starts with `RESULT `.
 *
 * @throws {Error} when the process fails or reports nothing, with the end of its stderr.
 */
export async function runJsonChild<T>(
  script: URL,
  args: string[] = [],
  opts: { cpu?: number; timeoutMs?: number } = {},
): Promise<T> {
  const deno = [Deno.execPath(), "run", "-A", "--v8-flags=--expose-gc", script.pathname, ...args];
  const cmd = opts.cpu === undefined ? deno : ["taskset", "-c", String(opts.cpu), ...deno];
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 300_000);
  const out = await child.output();
  clearTimeout(timer);
  const dec = new TextDecoder();
  const stdout = dec.decode(out.stdout);
  const line = stdout.split("\n").filter((l) => l.startsWith("RESULT ")).pop();
  if (!out.success || !line) {
    throw new Error(
      `${script.pathname} ${args.join(" ")} failed (code ${out.code}): ` +
        dec.decode(out.stderr).slice(-2000),
    );
  }
  return JSON.parse(line.slice("RESULT ".length)) as T;
}

/** Prints the line {@link runJsonChild} reads. */
export function reportResult(value: unknown): void {
  console.log(`RESULT ${JSON.stringify(value)}`);
}

/** Runs the V8 garbage collector when exposed (`--expose-gc`), then waits `ms`. */
export async function settle(ms = 500): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  await new Promise((r) => setTimeout(r, ms));
  gc?.();
}
