// A fake world for runCli: recorded output, canned HTTP answers, a fake terminal.
import type { CliIo, ProgressSink } from "../../../cli/mod.ts";

/** One request the CLI made. */
export interface Seen {
  method: string;
  url: URL;
  headers: Headers;
  body: Uint8Array;
}

/** Answers by `METHOD /path`; a function gets the request. */
export type Routes = Record<string, (req: Seen) => Response>;

export function json(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}

export function fakeIo(routes: Routes, opts: Partial<CliIo> & { tty?: boolean } = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const drawn: string[] = [];
  const seen: Seen[] = [];
  const files = new Map<string, Uint8Array>();
  const progress: ProgressSink = {
    write: (t) => void drawn.push(t),
    tty: opts.tty ?? false,
    now: () => 0,
    every: () => () => {},
  };
  const io: CliIo = {
    out: (t) => void out.push(t),
    err: (t) => void err.push(t),
    readStdin: () => Promise.resolve(""),
    stdinIsTerminal: true,
    readFile: (p) => {
      const f = files.get(p);
      return f ? Promise.resolve(f) : Promise.reject(new Deno.errors.NotFound(`no file ${p}`));
    },
    env: () => undefined,
    fetch: async (input, init) => {
      const req = new Request(input, init);
      const s: Seen = {
        method: req.method,
        url: new URL(req.url),
        headers: req.headers,
        body: new Uint8Array(await req.arrayBuffer()),
      };
      seen.push(s);
      const route = routes[`${s.method} ${s.url.pathname}`];
      if (!route) throw new TypeError("fetch failed", { cause: new Error("Connection refused") });
      return route(s);
    },
    openWebSocket: () => {
      throw new Error("no WebSocket here");
    },
    progress,
    interrupted: new AbortController().signal,
    sleep: () => Promise.resolve(),
    ...opts,
  };
  return { io, out, err, drawn, seen, files };
}
