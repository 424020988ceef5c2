/**
 * The WASI 0.2 imports an agent may have, implemented for the sandbox: clocks and random
 * work; stdout and stderr go to the agent's log; stdin is empty; the environment is what
 * the manifest grants; filesystem and sockets are present only as denials (no preopened
 * directory, every socket operation fails with `access-denied`).
 *
 * Conventions of jco's bindings: `u64` is a `bigint`, a `result` error is thrown as a
 * value, resources are class instances.
 * @module
 */

/** What the WASI implementation needs from the agent it serves. */
export interface WasiContext {
  env: Record<string, string>;
  /** A line (or chunk) the agent wrote to stdout (`"info"`) or stderr (`"warn"`). */
  write(level: "info" | "warn", text: string): void;
  /** Blocks the calling thread until `deadlineMs` (performance time) or the call's limit. */
  sleepUntil(deadlineMs: number): void;
  /** The agent asked to exit. */
  exit(ok: boolean): never;
}

/** `wasi:io/error.error`. */
export class IoError {
  constructor(readonly message: string) {}
  toDebugString(): string {
    return this.message;
  }
}

/** `wasi:io/poll.pollable`: ready at a performance-clock time (ms), or never. */
export class Pollable {
  constructor(readonly readyAtMs: number, private readonly ctx?: WasiContext) {}
  ready(): boolean {
    return performance.now() >= this.readyAtMs;
  }
  block(): void {
    if (!this.ready()) this.ctx?.sleepUntil(this.readyAtMs);
  }
}

function poll(list: Pollable[]): Uint32Array {
  const ready = () => list.map((p, i) => (p.ready() ? i : -1)).filter((i) => i >= 0);
  let r = ready();
  if (r.length === 0 && list.length) {
    const first = list.reduce((a, b) => (a.readyAtMs <= b.readyAtMs ? a : b));
    first.block();
    r = ready();
  }
  return Uint32Array.from(r);
}

/** `wasi:io/streams.input-stream`: always at its end. */
export class InputStream {
  read(_len: bigint): Uint8Array {
    throw { tag: "closed" };
  }
  blockingRead(_len: bigint): Uint8Array {
    throw { tag: "closed" };
  }
  skip(_len: bigint): bigint {
    throw { tag: "closed" };
  }
  blockingSkip(_len: bigint): bigint {
    throw { tag: "closed" };
  }
  subscribe(): Pollable {
    return new Pollable(0);
  }
}

const MAX_WRITE = 64 * 1024;

/** `wasi:io/streams.output-stream` writing UTF-8 lines to a sink. */
export class OutputStream {
  #decoder = new TextDecoder();
  #pending = "";
  constructor(private readonly sink: (text: string) => void) {}

  #emit(final: boolean): void {
    const lines = this.#pending.split("\n");
    this.#pending = final ? "" : lines.pop() ?? "";
    for (const l of final ? lines.filter((x) => x !== "") : lines) this.sink(l);
  }

  checkWrite(): bigint {
    return BigInt(MAX_WRITE);
  }
  write(contents: Uint8Array): void {
    if (contents.length > MAX_WRITE) {
      throw { tag: "last-operation-failed", val: new IoError("write larger than check-write") };
    }
    this.#pending += this.#decoder.decode(contents, { stream: true });
    if (this.#pending.length > MAX_WRITE) this.#emit(true);
    else this.#emit(false);
  }
  blockingWriteAndFlush(contents: Uint8Array): void {
    this.write(contents);
    this.flush();
  }
  flush(): void {
    this.#emit(true);
  }
  blockingFlush(): void {
    this.flush();
  }
  subscribe(): Pollable {
    return new Pollable(0);
  }
  writeZeroes(len: bigint): void {
    this.write(new Uint8Array(Number(len)));
  }
  blockingWriteZeroesAndFlush(len: bigint): void {
    this.writeZeroes(len);
    this.flush();
  }
  splice(_src: InputStream, _len: bigint): bigint {
    throw { tag: "closed" };
  }
  blockingSplice(_src: InputStream, _len: bigint): bigint {
    throw { tag: "closed" };
  }
}

/** `wasi:cli/terminal-*` resources: never handed out (no terminal). */
export class TerminalInput {}
/** See {@link TerminalInput}. */
export class TerminalOutput {}

/** `wasi:filesystem/types` resources: never handed out (no preopened directories). */
export class Descriptor {}
/** See {@link Descriptor}. */
export class DirectoryEntryStream {}

/** `wasi:sockets` resources. */
export class Network {}
/** See {@link Network}; never handed out. */
export class TcpSocket {}
/** See {@link Network}; never handed out. */
export class UdpSocket {}
/** See {@link Network}; never handed out. */
export class IncomingDatagramStream {}
/** See {@link Network}; never handed out. */
export class OutgoingDatagramStream {}
/** See {@link Network}; never handed out. */
export class ResolveAddressStream {}

const denied = (): never => {
  throw "access-denied";
};

function randomBytes(len: bigint): Uint8Array {
  const n = Number(len);
  if (n > 1024 * 1024) throw new RangeError("get-random-bytes: at most 1 MiB at a time");
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(out.subarray(i, i + 65536));
  return out;
}

function randomU64(): bigint {
  const b = new BigUint64Array(1);
  crypto.getRandomValues(b);
  return b[0];
}

const origin = performance.timeOrigin;

/**
 * The import object for every supported WASI interface, keyed as jco's bindings ask for
 * them (interface name without version).
 */
export function wasiImports(ctx: WasiContext): Record<string, Record<string, unknown>> {
  const stdin = new InputStream();
  const stdout = new OutputStream((t) => ctx.write("info", t));
  const stderr = new OutputStream((t) => ctx.write("warn", t));
  const nowNs = () => BigInt(Math.round(performance.now() * 1e6));
  return {
    "wasi:io/error": { Error: IoError },
    "wasi:io/poll": { Pollable, poll },
    "wasi:io/streams": { InputStream, OutputStream },
    "wasi:cli/environment": {
      getEnvironment: () => Object.entries(ctx.env),
      getArguments: () => [],
      initialCwd: () => undefined,
    },
    "wasi:cli/exit": {
      exit: (status: { tag: string }) => ctx.exit(status?.tag === "ok"),
      exitWithCode: (code: number) => ctx.exit(code === 0),
    },
    "wasi:cli/stdin": { getStdin: () => stdin },
    "wasi:cli/stdout": { getStdout: () => stdout },
    "wasi:cli/stderr": { getStderr: () => stderr },
    "wasi:cli/terminal-input": { TerminalInput },
    "wasi:cli/terminal-output": { TerminalOutput },
    "wasi:cli/terminal-stdin": { getTerminalStdin: () => undefined },
    "wasi:cli/terminal-stdout": { getTerminalStdout: () => undefined },
    "wasi:cli/terminal-stderr": { getTerminalStderr: () => undefined },
    "wasi:clocks/monotonic-clock": {
      now: nowNs,
      resolution: () => 1000n,
      subscribeInstant: (when: bigint) => new Pollable(Number(when) / 1e6, ctx),
      subscribeDuration: (d: bigint) => new Pollable(performance.now() + Number(d) / 1e6, ctx),
    },
    "wasi:clocks/wall-clock": {
      now: () => {
        const ms = origin + performance.now();
        return {
          seconds: BigInt(Math.floor(ms / 1000)),
          nanoseconds: Math.floor((ms % 1000) * 1e6),
        };
      },
      resolution: () => ({ seconds: 0n, nanoseconds: 1000 }),
    },
    "wasi:random/random": { getRandomBytes: randomBytes, getRandomU64: randomU64 },
    "wasi:random/insecure": {
      getInsecureRandomBytes: randomBytes,
      getInsecureRandomU64: randomU64,
    },
    "wasi:random/insecure-seed": { insecureSeed: () => [randomU64(), randomU64()] },
    "wasi:filesystem/types": {
      Descriptor,
      DirectoryEntryStream,
      filesystemErrorCode: () => undefined,
    },
    "wasi:filesystem/preopens": { getDirectories: () => [] },
    "wasi:sockets/network": { Network, networkErrorCode: () => undefined },
    "wasi:sockets/instance-network": { instanceNetwork: () => new Network() },
    "wasi:sockets/tcp": { TcpSocket },
    "wasi:sockets/tcp-create-socket": { createTcpSocket: denied },
    "wasi:sockets/udp": { UdpSocket, IncomingDatagramStream, OutgoingDatagramStream },
    "wasi:sockets/udp-create-socket": { createUdpSocket: denied },
    "wasi:sockets/ip-name-lookup": { ResolveAddressStream, resolveAddresses: denied },
  };
}

/** Interface names (without version) the sandbox provides, for the load-time check. */
export const WASI_INTERFACES: ReadonlySet<string> = new Set(
  Object.keys(wasiImports({
    env: {},
    write: () => {},
    sleepUntil: () => {},
    exit: () => {
      throw new Error("exit");
    },
  })),
);
