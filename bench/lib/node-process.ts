/** A fipa-edge node (`main.ts`) as its own process, for benchmarks. */
import { freePort } from "./ports.ts";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const ROOT = new URL("../../", import.meta.url).pathname;

/** A running node process. */
export interface NodeProcess {
  name: string;
  url: string;
  child: Deno.ChildProcess;
  alive: boolean;
}

/** How to start a node process. */
export interface NodeProcessOptions {
  name: string;
  /** The FIPA platform (default: the name). */
  platform?: string;
  dataDir: string;
  /** A member's multiaddr to join through. */
  join?: string;
  /** Flags for `deno run` (e.g. `--cpu-prof`). */
  denoFlags?: string[];
  /** Pin the process to this CPU (taskset). */
  cpu?: number;
  /** Deploy the sample `echo` on a fresh node (default: off). */
  sampleAgents?: boolean;
  /** More flags for `main.ts` (e.g. `--voters 5`). */
  args?: string[];
}

/**
 * Starts `main.ts` on a free HTTP port and a free libp2p port with rate limits off and
 * logging at `error` (stderr is drained and dropped); resolves once it listens.
 */
export async function spawnNodeProcess(o: NodeProcessOptions): Promise<NodeProcess> {
  const deno = [
    Deno.execPath(),
    "run",
    "-A",
    ...(o.denoFlags ?? []),
    MAIN,
    "--name",
    o.name,
    "--platform",
    o.platform ?? o.name,
    "--port",
    "0",
    "--p2p-port",
    String(freePort()),
    "--data-dir",
    o.dataDir,
    "--rate-limit",
    "off",
    "--log-level",
    "error",
    "--sample-agents",
    o.sampleAgents ? "on" : "off",
    ...(o.join ? ["--join", o.join] : []),
    ...(o.args ?? []),
  ];
  const cmd = o.cpu === undefined ? deno : ["taskset", "-c", String(o.cpu), ...deno];
  const child = new Deno.Command(cmd[0], {
    args: cmd.slice(1),
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  }).spawn();
  child.stderr.pipeTo(new WritableStream()).catch(() => {});
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  let url: string | undefined;
  while (!url) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`node ${o.name} exited before listening: ${out.slice(-500)}`);
    out += value;
    url = out.match(/listening on (https?:\/\/\S+)/)?.[1];
  }
  (async () => {
    while (!(await reader.read()).done) { /* discard */ }
  })().catch(() => {});
  return { name: o.name, url, child, alive: true };
}

/** Stops a node process (SIGTERM, then SIGKILL after `graceMs`). */
export async function stopNodeProcess(n: NodeProcess, graceMs = 5000): Promise<void> {
  if (!n.alive) return;
  n.alive = false;
  try {
    n.child.kill("SIGTERM");
  } catch { /* gone */ }
  const timer = setTimeout(() => {
    try {
      n.child.kill("SIGKILL");
    } catch { /* gone */ }
  }, graceMs);
  await n.child.status;
  clearTimeout(timer);
}

/**
 * CPU time a process has used so far, user + system over all its threads, in ms (Linux
 * `/proc/<pid>/stat`, in clock ticks of 10 ms). Unlike wall time it does not grow when other
 * processes load the machine, so CPU per request is the figure to compare across runs.
 */
export function processCpuMs(pid: number): number {
  const stat = Deno.readTextFileSync(`/proc/${pid}/stat`);
  // Fields after the command name (which may hold spaces) start at field 3 (`state`).
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
  return ticks * 10;
}

/** CPU time per thread of a process so far (`/proc/<pid>/task`), ms by thread name. */
export function threadCpuMs(pid: number): Map<string, number> {
  const out = new Map<string, number>();
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      const stat = Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/stat`);
      const name = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
        .replace(/\d+$/, "#");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(name, (out.get(name) ?? 0) + (Number(f[11]) + Number(f[12])) * 10);
    } catch { /* the thread ended */ }
  }
  return out;
}

/**
 * Time the main thread of a process ran and waited runnable for a CPU so far
 * (`/proc/<pid>/schedstat`), ms: much waiting means the machine's CPUs, not the node, bound it.
 */
export function schedMs(pid: number): { ran: number; waited: number } {
  const [ran, waited] = Deno.readTextFileSync(`/proc/${pid}/schedstat`).split(" ").map(Number);
  return { ran: ran / 1e6, waited: waited / 1e6 };
}

/**
 * Time all live threads of a process have run so far, ms, to the nanosecond
 * (`/proc/<pid>/task/<tid>/schedstat`): for spans too short for {@link processCpuMs}'s 10 ms
 * ticks. Threads that ended take their time with them.
 */
export function processRunMs(pid: number): number {
  let ns = 0;
  for (const t of Deno.readDirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(Deno.readTextFileSync(`/proc/${pid}/task/${t.name}/schedstat`).split(" ")[0]);
    } catch { /* the thread ended */ }
  }
  return ns / 1e6;
}

/** The machine's CPU time so far (`/proc/stat`), busy and in total, in clock ticks. */
export function machineCpuTicks(): { busy: number; total: number } {
  const line = Deno.readTextFileSync("/proc/stat").split("\n")[0];
  const v = line.trim().split(/\s+/).slice(1).map(Number);
  const total = v.reduce((a, b) => a + b, 0);
  const idle = v[3] + (v[4] ?? 0); // idle, iowait
  return { busy: total - idle, total };
}
