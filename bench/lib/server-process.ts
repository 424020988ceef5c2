/** Runs a benchmark server script as its own process, optionally pinned to one CPU. */
export interface ServerProcess {
  url: string;
  /** The server's process id (for its CPU time, `processCpuMs`). */
  pid: number;
  /** What the script printed up to its `LISTENING` line. */
  banner: string;
  stop(): Promise<void>;
}

/**
 * Spawns `deno run -A [denoArgs] <script> [args]`; the script must print `LISTENING <url>` on
 * stdout once it serves. `opts.env` adds environment variables; `opts.denoArgs` are Deno's own
 * flags (e.g. `--cpu-prof`).
 */
export async function startServer(
  script: URL,
  cpu?: number,
  opts: { args?: string[]; env?: Record<string, string>; denoArgs?: string[] } = {},
): Promise<ServerProcess> {
  const args = ["run", "-A", ...(opts.denoArgs ?? []), script.pathname, ...(opts.args ?? [])];
  const child = new Deno.Command(cpu === undefined ? Deno.execPath() : "taskset", {
    args: cpu === undefined ? args : ["-c", String(cpu), Deno.execPath(), ...args],
    env: opts.env,
    stdout: "piped",
    stderr: "inherit",
    stdin: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`server ${script.pathname} exited before listening: ${out}`);
    out += value;
    url = out.match(/LISTENING (\S+)/)?.[1];
  }
  const drain = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  return {
    url,
    pid: child.pid,
    banner: out,
    async stop() {
      child.kill("SIGTERM");
      await child.status;
      await drain;
    },
  };
}
