import type { Entry, RaftNode } from "../../runtime/raft/mod.ts";

/**
 * Raft's safety properties (figure 3 of the Raft paper), checked incrementally as the
 * simulation runs:
 * - election safety: at most one leader per term;
 * - log matching: two entries with the same index and term hold the same command and
 *   follow the same term (by induction, the same prefix);
 * - leader completeness: a new leader holds every entry committed before;
 * - state machine safety: no two nodes apply different entries at one index.
 * @module
 */

/** A broken safety property; the message says which and where. */
export class InvariantViolation extends Error {
  /** @param message which property broke, and the evidence */
  constructor(message: string) {
    super(message);
    this.name = "InvariantViolation";
  }
}

const dec = new TextDecoder();

/** A string that identifies an entry's content. */
export function entryContent(e: Entry): string {
  switch (e.type) {
    case "normal":
      return `n:${dec.decode(e.data)}`;
    case "noop":
      return "noop";
    case "conf":
      return `c:${e.change.type}:${e.change.node}`;
  }
}

/** Tracks what every node did and throws {@link InvariantViolation} on the first breach. */
export class InvariantChecker {
  #leaders = new Map<number, string>();
  #entries = new Map<string, { prevTerm: number; content: string }>();
  #committed: ({ term: number; content: string } | undefined)[] = [];
  #maxCommitted = 0;
  /** Counts of checks made (for reports). */
  checks = { leaders: 0, entries: 0, applied: 0 };

  /** Highest index known committed anywhere. */
  get maxCommitted(): number {
    return this.#maxCommitted;
  }

  /** `node` (id `id`) just became leader of `term`. */
  onLeader(id: string, term: number, node: RaftNode): void {
    this.checks.leaders++;
    const prev = this.#leaders.get(term);
    if (prev !== undefined && prev !== id) {
      throw new InvariantViolation(`election safety: ${prev} and ${id} both lead term ${term}`);
    }
    this.#leaders.set(term, id);
    for (let i = node.snapshotIndex + 1; i <= this.#maxCommitted; i++) {
      const c = this.#committed[i];
      if (c === undefined) continue;
      const t = node.termAt(i);
      if (t !== c.term) {
        throw new InvariantViolation(
          `leader completeness: leader ${id} of term ${term} has term ${t} at index ${i}, ` +
            `committed with term ${c.term}`,
        );
      }
    }
  }

  /** `id` persisted `entries`; `prevTerm` is its term just before the first of them. */
  onPersist(id: string, entries: readonly Entry[], prevTerm: number): void {
    let prev = prevTerm;
    for (const e of entries) {
      this.checks.entries++;
      const key = `${e.index}:${e.term}`;
      const content = entryContent(e);
      const seen = this.#entries.get(key);
      if (seen === undefined) {
        this.#entries.set(key, { prevTerm: prev, content });
      } else if (seen.content !== content || seen.prevTerm !== prev) {
        throw new InvariantViolation(
          `log matching: ${id} has index ${e.index} term ${e.term} = ${content} after term ${prev}, ` +
            `elsewhere ${seen.content} after term ${seen.prevTerm}`,
        );
      }
      prev = e.term;
    }
  }

  /** `id` applied `entry` (so it is committed). */
  onApply(id: string, entry: Entry): void {
    this.checks.applied++;
    const content = entryContent(entry);
    const c = this.#committed[entry.index];
    if (c === undefined) {
      this.#committed[entry.index] = { term: entry.term, content };
      if (entry.index > this.#maxCommitted) this.#maxCommitted = entry.index;
    } else if (c.term !== entry.term || c.content !== content) {
      throw new InvariantViolation(
        `state machine safety: ${id} applied ${content} (term ${entry.term}) at index ` +
          `${entry.index}, another node applied ${c.content} (term ${c.term})`,
      );
    }
  }
}
