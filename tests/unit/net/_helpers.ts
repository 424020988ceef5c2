/** Shared helpers of the net tests. */
import { pollUntil } from "../../../runtime/async/mod.ts";
import { type NetNode, type NetNodeOptions, startNetNode } from "../../../runtime/net/mod.ts";

/** Starts a node on a free loopback port in a fresh temp dir. */
export async function startTestNode(
  options: Partial<NetNodeOptions> = {},
): Promise<NetNode & { dataDir: string }> {
  const dataDir = options.dataDir ?? await Deno.makeTempDir({ prefix: "fipa-net-" });
  const node = await startNetNode({ listen: 0, host: "127.0.0.1", ...options, dataDir });
  return Object.assign(node, { dataDir });
}

/** Stops the nodes and removes their data dirs. */
export async function cleanup(...nodes: (NetNode & { dataDir: string })[]): Promise<void> {
  for (const node of nodes) {
    await node.stop();
    await Deno.remove(node.dataDir, { recursive: true }).catch(() => {});
  }
}

/** Deterministic pseudo-random bytes (xorshift32), fast enough for tens of megabytes. */
export function patternBytes(size: number, seed = 0x9e3779b9): Uint8Array {
  const out = new Uint8Array(size);
  const words = new Uint32Array(out.buffer, 0, size >>> 2);
  let x = seed >>> 0 || 1;
  for (let i = 0; i < words.length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    words[i] = x >>> 0;
  }
  for (let i = words.length * 4; i < size; i++) out[i] = i & 0xff;
  return out;
}

/** SHA-256 of the given bytes, hex. */
export async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", bytes as BufferSource);
  return new Uint8Array(digest).toHex();
}

/** Resolves after `ms` (to let background work settle; never used to assert timing). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until `predicate` holds, polling; throws after `limitMs`. */
export async function waitFor(
  predicate: () => boolean,
  limitMs = 5000,
  what = "condition",
): Promise<void> {
  await pollUntil(what, () => predicate() || undefined, { timeoutMs: limitMs, intervalMs: 10 });
}

/** Asserts that `promise` rejects with an error whose `code` is `code`; returns the error. */
export async function rejectsWithCode(
  promise: Promise<unknown>,
  code: string,
): Promise<Error & { code: string }> {
  try {
    await promise;
  } catch (err) {
    const e = err as Error & { code: string };
    if (e.code !== code) throw new Error(`expected code ${code}, got ${e.code}: ${e.message}`);
    return e;
  }
  throw new Error(`expected a rejection with code ${code}`);
}
