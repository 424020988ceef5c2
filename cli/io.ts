import type { CliIo } from "./run.ts";
import { stderrSink } from "./progress.ts";
import { fromInvocation } from "./paths.ts";

/** The real world: stdout/stderr, stdin, files, fetch, WebSocket, Ctrl-C. */
export function denoIo(): CliIo & { dispose(): void } {
  const enc = new TextEncoder();
  const ctrlC = new AbortController();
  const onSigint = () => ctrlC.abort();
  Deno.addSignalListener("SIGINT", onSigint);
  return {
    out: (t) => void Deno.stdout.writeSync(enc.encode(`${t}\n`)),
    err: (t) => void Deno.stderr.writeSync(enc.encode(`${t}\n`)),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    stdinIsTerminal: Deno.stdin.isTerminal(),
    readFile: (p) => Deno.readFile(fromInvocation(p, (k) => Deno.env.get(k))),
    env: (k) => Deno.env.get(k),
    fetch: (input, init) => fetch(input, init),
    openWebSocket: (url) => new WebSocket(url),
    progress: stderrSink(),
    interrupted: ctrlC.signal,
    sleep: (ms) =>
      new Promise((resolve) => {
        const t = setTimeout(done, ms);
        function done() {
          clearTimeout(t);
          ctrlC.signal.removeEventListener("abort", done);
          resolve();
        }
        ctrlC.signal.addEventListener("abort", done);
      }),
    dispose: () => Deno.removeSignalListener("SIGINT", onSigint),
  };
}
