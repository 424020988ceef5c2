// Two (or more) in-process nodes of one cluster, agents deployed from agents/dist, and a
// probe endpoint that sends requests and collects the replies.
import { type AclMessage, aid } from "../../../runtime/acl/mod.ts";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { pollUntil } from "../../../runtime/async/mod.ts";
import { ConfigSchema } from "../../../runtime/config/mod.ts";
import { getAgent, getMember } from "../../../runtime/directory/mod.ts";
import { silentLogger } from "../../../runtime/log/mod.ts";
import { type RunningNode, startNode } from "../../../runtime/node/mod.ts";
import { newMessageId } from "../../../runtime/routing/mod.ts";
import { ComponentStore } from "../../../runtime/sandbox/mod.ts";

const DIST = new URL("../../../agents/dist/", import.meta.url);
const CACHE = new URL("../../../.cache/test-components", import.meta.url).pathname;

/** The bytes of a built agent. */
export function agentBytes(file: string): Promise<Uint8Array> {
  return Deno.readFile(new URL(file, DIST));
}

/**
 * Puts the transpiled component of `file` (from the shared test cache, transpiling it there
 * once) into a node's data directory, so the node needs no jco run of its own.
 */
export async function seedComponent(dataDir: string, file: string): Promise<string> {
  const store = new ComponentStore({ dir: CACHE });
  let hash: string;
  try {
    hash = (await store.load(await agentBytes(file))).hash;
  } finally {
    store.close();
  }
  const to = `${dataDir}/components/${hash}`;
  await Deno.mkdir(to, { recursive: true });
  for await (const e of Deno.readDir(`${CACHE}/${hash}`)) {
    if (e.isFile) await Deno.copyFile(`${CACHE}/${hash}/${e.name}`, `${to}/${e.name}`);
  }
  return hash;
}

/** Polls `f` (every 20 ms) until it returns a value; see {@link pollUntil}. */
export function until<T>(
  what: string,
  f: () => T | undefined | Promise<T | undefined>,
  ms = 20_000,
): Promise<T> {
  return pollUntil(what, f, { timeoutMs: ms, intervalMs: 20 });
}

/** One node of a test cluster. */
export interface TestNode {
  name: string;
  dataDir: string;
  n: RunningNode;
}

/** Starts a node (joining `join` when given) in a data dir (fresh unless given). */
export async function startTestNode(
  name: string,
  opts: { join?: string[]; dataDir?: string; seed?: string[]; platform?: string } = {},
): Promise<TestNode> {
  const dataDir = opts.dataDir ?? await Deno.makeTempDir({ prefix: `fe-mig-${name}-` });
  for (const f of opts.seed ?? []) await seedComponent(dataDir, f);
  const n = await startNode(
    ConfigSchema.parse({
      name,
      platform: opts.platform ?? "mp",
      port: 0,
      p2pPort: 0,
      dataDir,
      rateLimit: "off",
      join: opts.join ?? [],
    }),
    silentLogger,
  );
  return { name, dataDir, n };
}

/** A founder and `others` joined to it, all voters, each seeing every member. */
export async function startCluster(
  names: string[],
  opts: { seed?: string[] } = {},
): Promise<TestNode[]> {
  const first = await startTestNode(names[0], { seed: opts.seed });
  await until("a leader", () => first.n.cluster.status().leader ?? undefined);
  const join = [first.n.net.addresses()[0]];
  const rest: TestNode[] = [];
  for (const name of names.slice(1)) {
    rest.push(await startTestNode(name, { join, seed: opts.seed }));
  }
  const all = [first, ...rest];
  await until(
    "every member known everywhere",
    () =>
      all.every((t) => names.every((m) => getMember(t.n.cluster.machine.state, m))) &&
        first.n.cluster.status().members.voters.length === names.length
        ? true
        : undefined,
  );
  return all;
}

/** Stops nodes and removes their data. */
export async function stopAll(nodes: TestNode[], keepData = false): Promise<void> {
  await Promise.all(nodes.map((t) => t.n.stop()));
  if (!keepData) {
    for (const t of nodes) await Deno.remove(t.dataDir, { recursive: true }).catch(() => {});
  }
}

/** Deploys a built agent on a node. */
export async function deploy(t: TestNode, file: string, config: Record<string, unknown>) {
  return await t.n.agents.deploy(await agentBytes(file), DeployConfigSchema.parse(config));
}

/** The node the directory (as `t` sees it) says an agent lives on. */
export function locationOf(t: TestNode, agent: string): string | undefined {
  return getAgent(t.n.cluster.machine.state, agent)?.node;
}

/**
 * An endpoint `probe-<k>@<node>` on a node that sends requests (with `reply_with` = a
 * sequence number) and collects the replies.
 */
export class Probe {
  readonly replies: AclMessage[] = [];
  readonly name: string;
  #seq = 0;
  #unregister: () => void;

  constructor(readonly t: TestNode, local = `probe-${crypto.randomUUID().slice(0, 6)}`) {
    this.name = `${local}@${t.name}`;
    this.#unregister = t.n.router.register(local, {
      deliver: (d) => {
        this.replies.push(d.message);
      },
    });
  }

  /** Sends a request to `to`; resolves once the node accepted it. Returns its number. */
  async send(to: string, content = "tick"): Promise<number> {
    const n = ++this.#seq;
    await this.t.n.router.route({
      message_id: newMessageId(),
      message: {
        performative: "request",
        sender: aid(this.name),
        receivers: [aid(to)],
        content,
        reply_with: `r${n}`,
      },
      accepted_at: new Date().toISOString(),
      origin: "http",
    });
    return n;
  }

  /** The count the counter answered request `n` with. */
  countFor(n: number): number | undefined {
    const r = this.replies.find((m) => m.in_reply_to === `r${n}`);
    if (!r) return undefined;
    const c = typeof r.content === "string" ? JSON.parse(r.content) : r.content;
    return (c as { count: number }).count;
  }

  /** Sends one request and waits for its reply's count. */
  async ask(to: string): Promise<number> {
    const n = await this.send(to);
    return await until(`reply to r${n}`, () => this.countFor(n));
  }

  close(): void {
    this.#unregister();
  }
}
