/**
 * Makes components from hand-written WAT with jco's wasm-tools functions: `parse` (WAT to
 * a core module), `componentEmbed` (attach the world) and `componentNew` (wrap as a
 * component). Fast (tens of ms), so tests build these on the fly.
 * @module
 */
import { componentEmbed, componentNew, parse } from "@bytecodealliance/jco";

/** Where the agent world's WIT lives (version 0.1.0). */
export const WIT_FILE = new URL("../../wit/fipa-agent.wit", import.meta.url);
/** The agent world, version 0.2.0 (outgoing HTTP, files, timers). */
export const WIT_FILE_0_2 = new URL("../../wit/fipa-agent-0.2.0.wit", import.meta.url);

/**
 * WIT of the parts of WASI 0.2 that the hostile test agents import, written out so a
 * world can name them without the whole WASI tree.
 */
export const WASI_SUBSET_WIT = `
package wasi:cli@0.2.0 {
  interface environment {
    get-environment: func() -> list<tuple<string, string>>;
  }
}
package wasi:filesystem@0.2.0 {
  interface types {
    resource descriptor;
  }
  interface preopens {
    use types.{descriptor};
    get-directories: func() -> list<tuple<descriptor, string>>;
  }
}
package wasi:sockets@0.2.0 {
  interface network {
    resource network;
    enum error-code {
      unknown, access-denied, not-supported, invalid-argument, out-of-memory, timeout,
      concurrency-conflict, not-in-progress, would-block, invalid-state, new-socket-limit,
      address-not-bindable, address-in-use, remote-unreachable, connection-refused,
      connection-reset, connection-aborted, datagram-too-large, name-unresolvable,
      temporary-resolver-failure, permanent-resolver-failure,
    }
    enum ip-address-family { ipv4, ipv6 }
  }
  interface tcp {
    resource tcp-socket;
  }
  interface tcp-create-socket {
    use network.{error-code, ip-address-family};
    use tcp.{tcp-socket};
    create-tcp-socket: func(address-family: ip-address-family) -> result<tcp-socket, error-code>;
  }
}
`;

/** The agent world plus a world `probe` that also imports the WASI subset above. */
export async function probeWit(): Promise<string> {
  return `${await agentWit()}
world probe {
  include agent;
  import wasi:cli/environment@0.2.0;
  import wasi:filesystem/preopens@0.2.0;
  import wasi:sockets/tcp-create-socket@0.2.0;
}
${WASI_SUBSET_WIT}`;
}

/** Options of {@link buildWatComponent}. */
export interface WatBuildOptions {
  /** WIT source with the world; defaults to the agent world. */
  wit?: string;
  /** World name (default `agent`). */
  world?: string;
}

/** The agent world's WIT (0.1.0 unless `version` says `0.2.0`). */
export async function agentWit(version: "0.1.0" | "0.2.0" = "0.1.0"): Promise<string> {
  return await Deno.readTextFile(version === "0.2.0" ? WIT_FILE_0_2 : WIT_FILE);
}

/**
 * Builds a component from WAT.
 *
 * @example
 * ```ts
 * const bytes = await buildWatComponent(await Deno.readTextFile("agents/tiny/echo.wat"));
 * ```
 */
export async function buildWatComponent(
  wat: string,
  opts: WatBuildOptions = {},
): Promise<Uint8Array> {
  const core = await parse(wat);
  const embedded = await componentEmbed({
    binary: core,
    witSource: opts.wit ?? await agentWit(),
    world: opts.world ?? "agent",
  });
  return await componentNew(embedded, []);
}

const PRELUDE = new URL("../tiny/prelude.wat", import.meta.url);

/**
 * Reads a WAT file of `agents/tiny` or `agents/hostile`, splicing `agents/tiny/prelude.wat`
 * (allocator, trivial exports, a reply helper) in place of a `;;@prelude` line.
 */
export async function readWat(file: URL | string): Promise<string> {
  const src = await Deno.readTextFile(file);
  if (!src.includes(";;@prelude")) return src;
  return src.replace(";;@prelude", await Deno.readTextFile(PRELUDE));
}

/** Builds a core module (not a component) from WAT, e.g. to test that it is refused. */
export async function buildCoreModule(wat: string): Promise<Uint8Array> {
  return await parse(wat);
}
