import type { Message } from "../../runtime/raft/mod.ts";
import type { Rng } from "../../runtime/raft/mod.ts";

/**
 * A simulated network: messages wait in a queue until their delivery time; the network
 * loses, duplicates, delays (and so reorders) them at rates set per run, and partitions
 * split nodes into groups that cannot reach each other.
 * @module
 */

/** Fault rates of the network. */
export interface NetworkFaults {
  /** Probability that a message is lost. */
  loss: number;
  /** Probability that a message is delivered twice. */
  duplicate: number;
  /** Delivery delay range in time units, [min, max]. */
  delay: [number, number];
  /** Probability of a long delay instead (up to `longDelay`). */
  longDelayChance: number;
  /** Longest delay. */
  longDelay: number;
}

/** A reliable network with no delay, for scripted tests. */
export const RELIABLE: NetworkFaults = {
  loss: 0,
  duplicate: 0,
  delay: [0, 0],
  longDelayChance: 0,
  longDelay: 0,
};

interface InFlight {
  at: number;
  seq: number;
  msg: Message;
}

/** The simulated network. */
export class SimNetwork {
  faults: NetworkFaults;
  #rng: Rng;
  #heap: InFlight[] = [];
  #seq = 0;
  #group = new Map<string, number>();
  #cut = new Set<string>();
  /** Messages sent and dropped, and sent per type (for reports). */
  stats = { sent: 0, dropped: 0, byType: {} as Record<string, number> };

  /** @param rng randomness for faults; `faults` the initial rates */
  constructor(rng: Rng, faults: NetworkFaults = RELIABLE) {
    this.#rng = rng;
    this.faults = faults;
  }

  /** Number of messages in flight. */
  get inFlight(): number {
    return this.#heap.length;
  }

  /** Splits the nodes into `groups`; nodes not listed form one more group. */
  partition(groups: string[][]): void {
    this.#group.clear();
    groups.forEach((g, i) => g.forEach((id) => this.#group.set(id, i + 1)));
  }

  /** Removes every partition and cut link. */
  heal(): void {
    this.#group.clear();
    this.#cut.clear();
  }

  /** Cuts the link `from → to` only (one direction). */
  cut(from: string, to: string): void {
    this.#cut.add(`${from}\u0000${to}`);
  }

  /** Isolates `id` from everyone (both directions). */
  isolate(id: string, all: readonly string[]): void {
    for (const other of all) {
      if (other === id) continue;
      this.cut(id, other);
      this.cut(other, id);
    }
  }

  /** True if `from` can currently reach `to`. */
  connected(from: string, to: string): boolean {
    if (this.#cut.has(`${from}\u0000${to}`)) return false;
    return (this.#group.get(from) ?? 0) === (this.#group.get(to) ?? 0);
  }

  /** Queues `msg`, sent at time `now`, applying loss, duplication and delay. */
  send(msg: Message, now: number): void {
    this.stats.sent++;
    this.stats.byType[msg.type] = (this.stats.byType[msg.type] ?? 0) + 1;
    const f = this.faults;
    const copies = this.#rng.chance(f.duplicate) ? 2 : 1;
    for (let c = 0; c < copies; c++) {
      if (this.#rng.chance(f.loss)) {
        this.stats.dropped++;
        continue;
      }
      const delay = this.#rng.chance(f.longDelayChance)
        ? f.delay[0] + this.#rng.int(f.longDelay + 1)
        : f.delay[0] + this.#rng.int(f.delay[1] - f.delay[0] + 1);
      this.#push({ at: now + delay, seq: this.#seq++, msg });
    }
  }

  /** Removes and returns the next message due at or before `now`, if any. */
  next(now: number): Message | undefined {
    while (this.#heap.length > 0 && this.#heap[0].at <= now) {
      const { msg } = this.#pop();
      if (this.connected(msg.from, msg.to)) return msg;
      this.stats.dropped++;
    }
    return undefined;
  }

  /** Drops everything in flight. */
  clear(): void {
    this.#heap = [];
  }

  #less(a: InFlight, b: InFlight): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq);
  }

  #push(item: InFlight): void {
    const h = this.#heap;
    h.push(item);
    let i = h.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.#less(h[i], h[p])) break;
      [h[i], h[p]] = [h[p], h[i]];
      i = p;
    }
  }

  #pop(): InFlight {
    const h = this.#heap;
    const top = h[0];
    const last = h.pop()!;
    if (h.length > 0) {
      h[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < h.length && this.#less(h[l], h[m])) m = l;
        if (r < h.length && this.#less(h[r], h[m])) m = r;
        if (m === i) break;
        [h[i], h[m]] = [h[m], h[i]];
        i = m;
      }
    }
    return top;
  }
}
