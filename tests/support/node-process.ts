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

/**
 * Spawns a node; resolves once it prints the address it listens on. Without
 * `opts.sampleAgents` it runs with `--sample-agents off`, so a test starts from a node
 * without agents; with it, the node's default applies (the sample `echo` on a fresh node).
 */
export async function spawnNode(
  args: string[] = [],
  env: Record<string, string> = {},
  opts: { dataDir?: string; sampleAgents?: boolean; startTimeoutMs?: number } = {},
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
      ...(opts.sampleAgents ? [] : ["--sample-agents", "off"]),
      ...args,
    ],
    cwd: ROOT,
    env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  const started = await awaitListening(child, opts.startTimeoutMs ?? 30_000);
  const { url, out } = started;
  if (!url) {
    await started.drained;
    throw new Error(`node did not start; stdout: ${out}; stderr: ${started.logs()}`);
  }
  return {
    url,
    dataDir,
    child,
    logs: started.logs,
    async stop(signal: Deno.Signal = "SIGTERM", opts: { keepData?: boolean } = {}) {
      try {
        child.kill(signal);
      } catch { /* already gone */ }
      const status = await child.status;
      await started.drained;
      if (!opts.keepData) await Deno.remove(dataDir, { recursive: true }).catch(() => {});
      return status;
    },
  };
}

/** What {@link awaitListening} found on a node process's output. */
export interface Listening {
  /** The URL it printed (`listening on <url>`), or undefined if it exited first. */
  url: string | undefined;
  /** Its stdout up to then. */
  out: string;
  /** Its stderr so far (JSON log lines), growing as it runs. */
  logs(): string;
  /** Resolves when both streams are fully read (after the process exits). */
  drained: Promise<unknown>;
}

/**
 * Reads a spawned node's stdout until it prints where it listens (killing it after
 * `timeoutMs`), and keeps draining both streams so the process never blocks on a pipe.
 */
export async function awaitListening(
  child: Deno.ChildProcess,
  timeoutMs: number,
): Promise<Listening> {
  let logs = "";
  const decoder = new TextDecoder();
  const drainErr = (async () => {
    for await (const chunk of child.stderr) logs += decoder.decode(chunk);
  })();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url: string | undefined;
  const deadline = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
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
  return { url, out, logs: () => logs, drained: Promise.all([drainErr, drainOut]) };
}
