import type { Logger } from "../log/mod.ts";
import { MIGRATE_PROTOCOL, type NetNode } from "../net/mod.ts";
import type { NodeInfo } from "../sandbox/mod.ts";
import { type NodeStats, StatsAnswerSchema } from "./wire.ts";

/** This process's load: the 1-minute load average per core, 0 to 1 (0 when unreadable). */
export function localLoad(): number {
  try {
    const cores = navigator.hardwareConcurrency || 1;
    return Math.min(1, Math.max(0, Deno.loadavg()[0] / cores));
  } catch {
    return 0;
  }
}

/** Free memory of this machine in bytes (0 when unreadable). */
export function localAvailableMemory(): number {
  try {
    return Deno.systemMemoryInfo().available;
  } catch {
    return 0;
  }
}

/** What {@link NodeLoad} needs. */
export interface NodeLoadDeps {
  /** This node's id. */
  self: string;
  net: NetNode;
  /** The members' ids now. */
  members(): string[];
  /** A member's address. */
  addressOf(id: string): string | undefined;
  /** Agents on this node. */
  agentCount(): number;
  log: Logger;
  /**
   * Refresh period in a small cluster (default 2000 ms); see {@link refreshPeriodMs} for a
   * large one.
   */
  intervalMs?: number;
  /**
   * Members asked per refresh (default 4), in turn: a large cluster costs each node a
   * bounded number of round trips per period instead of one per member (25 nodes asking
   * all 24 others every 2 s made 600 requests a second on 2 cores).
   */
  perRound?: number;
}

/** Other members per period of {@link refreshPeriodMs}. */
const MEMBERS_PER_PERIOD = 8;

/**
 * Milliseconds between refresh rounds with `others` other members: `baseMs` up to 8 of them,
 * one more `baseMs` per 8 beyond (25 nodes: 6 s). The rounds of the whole cluster then stay
 * about constant as it grows, instead of growing with its size (25 nodes each asking 4 others
 * every 2 s made 50 pings and 50 stats requests a second, more frames than a learner's Raft
 * traffic when idle); loads are 1-minute averages and change slowly.
 */
export function refreshPeriodMs(others: number, baseMs: number): number {
  return baseMs * Math.max(1, Math.ceil(others / MEMBERS_PER_PERIOD));
}

/**
 * What `list-nodes` tells agents: each member's load, free memory and the round trip to it
 * (that of the stats request, one round trip per member asked). Other members are asked every `intervalMs` in the
 * background, so {@link list} answers at once from the last figures.
 */
export class NodeLoad {
  readonly #known = new Map<string, NodeStats & { latency_ms: number }>();
  #timer?: ReturnType<typeof setTimeout>;
  #stopped = false;
  #round?: Promise<void>;
  #cursor = 0;

  constructor(readonly deps: NodeLoadDeps) {}

  /** This node's own figures. */
  stats(): NodeStats {
    return {
      load: localLoad(),
      available_memory: localAvailableMemory(),
      agents: this.deps.agentCount(),
    };
  }

  /** Every member with its last known figures (unmeasured ones: load 1, no memory). */
  list(): NodeInfo[] {
    return this.deps.members().map((id) => {
      if (id === this.deps.self) {
        const s = this.stats();
        return { id, load: s.load, latency_ms: 0, available_memory: s.available_memory };
      }
      const k = this.#known.get(id);
      return k
        ? { id, load: k.load, latency_ms: k.latency_ms, available_memory: k.available_memory }
        : { id, load: 1, latency_ms: 0, available_memory: 0 };
    });
  }

  /** Asks the next `perRound` other members (all of them in a small cluster) once. */
  async refresh(): Promise<void> {
    const all = this.deps.members().filter((m) => m !== this.deps.self);
    const n = Math.min(all.length, this.deps.perRound ?? 4);
    const start = all.length > 0 ? this.#cursor % all.length : 0;
    const others = Array.from({ length: n }, (_, i) => all[(start + i) % all.length]);
    this.#cursor = start + n;
    for (const id of this.#known.keys()) if (!all.includes(id)) this.#known.delete(id);
    await Promise.all(others.map(async (id) => {
      const addr = this.deps.addressOf(id);
      if (!addr) return;
      try {
        const t0 = performance.now();
        const s = await this.deps.net.request(addr, MIGRATE_PROTOCOL, { type: "stats" }, {
          timeoutMs: 2000,
          responseSchema: StatsAnswerSchema,
        });
        const latency = performance.now() - t0;
        this.#known.set(id, { ...s, latency_ms: Math.round(latency * 1000) / 1000 });
      } catch (e) {
        this.#known.delete(id);
        this.deps.log.debug("node stats unavailable", { node: id, error: String(e) });
      }
    }));
  }

  /** Starts refreshing in the background. */
  start(): void {
    const tick = () => {
      if (this.#stopped) return;
      this.#round = this.refresh().finally(() => {
        this.#round = undefined;
        if (this.#stopped) return;
        const others = this.deps.members().filter((m) => m !== this.deps.self).length;
        this.#timer = setTimeout(tick, refreshPeriodMs(others, this.deps.intervalMs ?? 2000));
      });
    };
    this.#timer = setTimeout(tick, 0);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    await this.#round;
  }
}
