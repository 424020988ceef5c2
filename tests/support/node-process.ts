/**
 * Starts `main.ts` as a separate process on a free port and a fresh data directory, for
 * end-to-end tests over real HTTP.
 */
export interface NodeProcess {
  url: string;
  dataDir: string;
  child: Deno.ChildProcess;
  /** Everything the process wrote to stderr so far (JSON log lines). */
  logs(): string;
  /** Sends `signal` and waits for the exit status; removes the data dir unless kept. */
  stop(signal?: Deno.Signal, opts?: { keepData?: boolean }): Promise<Deno.CommandStatus>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Spawns a node; resolves once it prints the address it listens on. */
export async function spawnNode(
  args: string[] = [],
  env: Record<string, string> = {},
  opts: { dataDir?: string } = {},
): Promise<NodeProcess> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: "fipa-edge-e2e-" });
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      `${ROOT}main.ts`,
      "--port",
      "0",
      ...(args.includes("--p2p-port") ? [] : ["--p2p-port", "0"]),
      "--data-dir",
      dataDir,
      ...args,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  let logs = "";
  const decoder = new TextDecoder();
  const drainErr = (async () => {
    for await (const chunk of child.stderr) logs += decoder.decode(chunk);
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url: string | undefined;
  const deadline = setTimeout(() => child.kill("SIGKILL"), 30_000);
  while (!url) {
    const { value, done } = await reader.read();
    if (done) break;
    out += value;
    url = out.match(/listening on (https?:\/\/\S+)/)?.[1];
  }
  clearTimeout(deadline);
  const drainOut = (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })();
  if (!url) {
    await drainErr;
    throw new Error(`node did not start; stdout: ${out}; stderr: ${logs}`);
  }
  return {
    url,
    dataDir,
    child,
    logs: () => logs,
    async stop(signal: Deno.Signal = "SIGTERM", opts: { keepData?: boolean } = {}) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await Promise.all([drainErr, drainOut]);
      if (!opts.keepData) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      return status;
    },
  };
}
