import { RaftError } from "./errors.ts";
import type { Entry } from "./messages.ts";

/**
 * The driver's promises: proposals waiting for their entry to be applied and reads waiting
 * for their read index, with the deadlines (in ticks) after which they give up. No timers,
 * no I/O: the driver tells it what happened (an entry applied, a snapshot restored, the
 * leader changed, a tick passed) and it settles the promises concerned.
 * @module
 */

/** A proposal waiting for its entry. */
export interface PendingProposal {
  term: number;
  deadline: number;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** A read waiting for its index. */
export interface PendingRead {
  index: number | null;
  deadline: number;
  resolve: (index: number) => void;
  reject: (error: unknown) => void;
}

/** Pending proposals and reads of one driver. */
export class Waiters {
  readonly #proposals = new Map<number, PendingProposal>();
  readonly #reads = new Map<string, PendingRead>();

  /** Waits for the entry proposed at (`index`, `term`) until tick `deadline`. */
  proposal(index: number, term: number, deadline: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      this.#proposals.set(index, { term, deadline, resolve, reject });
    });
  }

  /** Waits for read `ctx` to be confirmed and applied, until tick `deadline`. */
  read(ctx: string, deadline: number): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#reads.set(ctx, { index: null, deadline, resolve, reject });
    });
  }

  /**
   * Takes the proposal waiting on `e`'s index: `mine` when it is the one that committed
   * (same term); a proposal whose slot went to another entry is rejected `NOT_COMMITTED`.
   * The caller settles a `mine` waiter with {@link settle} once it applied the entry.
   */
  take(e: Entry): PendingProposal | undefined {
    const p = this.#proposals.get(e.index);
    if (!p) return undefined;
    this.#proposals.delete(e.index);
    if (p.term === e.term) return p;
    p.reject(
      new RaftError(
        "NOT_COMMITTED",
        `proposal at index ${e.index} was not committed`,
        null,
        { index: e.index },
      ),
    );
    return undefined;
  }

  /** A snapshot up to `index` replaced the log: proposals up to it have unknown outcomes. */
  overtaken(index: number): void {
    for (const [i, p] of this.#proposals) {
      if (i <= index) {
        this.#proposals.delete(i);
        p.reject(
          new RaftError(
            "OVERTAKEN",
            `proposal at ${i} overtaken by a snapshot; outcome unknown`,
            null,
            {
              index: i,
            },
          ),
        );
      }
    }
  }

  /** Read `ctx` was confirmed at `index`. */
  confirmed(ctx: string, index: number): void {
    const r = this.#reads.get(ctx);
    if (r) r.index = index;
  }

  /** Resolves every confirmed read whose index is applied. */
  applied(appliedIndex: number): void {
    for (const [ctx, r] of this.#reads) {
      if (r.index !== null && r.index <= appliedIndex) {
        this.#reads.delete(ctx);
        r.resolve(r.index);
      }
    }
  }

  /** The leader changed: reads not yet confirmed may never be; they fail (without effect). */
  leaderChanged(leader: string | null): void {
    for (const [ctx, r] of this.#reads) {
      if (r.index === null) {
        this.#reads.delete(ctx);
        r.reject(new RaftError("LEADER_CHANGED", "leadership changed during a read", leader));
      }
    }
  }

  /** Fails everything whose deadline is at or before tick `now`. */
  expire(now: number): void {
    for (const [index, p] of this.#proposals) {
      if (p.deadline <= now) {
        this.#proposals.delete(index);
        p.reject(
          new RaftError("TIMEOUT", `proposal at index ${index} timed out; outcome unknown`, null, {
            index,
          }),
        );
      }
    }
    for (const [ctx, r] of this.#reads) {
      if (r.deadline <= now) {
        this.#reads.delete(ctx);
        r.reject(new RaftError("TIMEOUT", "linearizable read timed out"));
      }
    }
  }

  /** Fails every waiting proposal and read with `error`. */
  failAll(error: RaftError): void {
    for (const p of this.#proposals.values()) p.reject(error);
    for (const r of this.#reads.values()) r.reject(error);
    this.#proposals.clear();
    this.#reads.clear();
  }
}
