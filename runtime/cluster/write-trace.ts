import type { RaftTrace } from "../raft/mod.ts";

/**
 * Per-stage timing of directory writes, for diagnosis only: with
 * `FIPA_EDGE_RAFT_TRACE=<directory>` set, each node appends one line per stage of every
 * write that passes it (`<epoch ms, µs precision> <stage> <index> [peer]`) to
 * `<directory>/<node id>.trace`. The clock is `performance.timeOrigin + performance.now()`,
 * comparable across the processes of one machine. `bench/write-stages.ts` reads the files.
 * Off (no hook, nothing written) when the variable is unset.
 * @module
 */

/** The environment variable naming the trace directory. */
export const WRITE_TRACE_ENV = "FIPA_EDGE_RAFT_TRACE";

const encoder = new TextEncoder();

/** A trace hook writing to `<dir>/<id>.trace`, or `undefined` when `dir` is unset. */
export function writeTraceFile(dir: string | undefined, id: string): RaftTrace | undefined {
  if (!dir) return undefined;
  const file = Deno.openSync(`${dir}/${id}.trace`, { append: true, create: true });
  return (stage, index, peer) => {
    const t = (performance.timeOrigin + performance.now()).toFixed(3);
    file.writeSync(encoder.encode(`${t} ${stage} ${index}${peer ? ` ${peer}` : ""}\n`));
  };
}
