import { REAL_TIMERS, type Timers } from "../async/mod.ts";
import type { ApplyResult, DirectoryProposal } from "../directory/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { outcomeUnknown, RaftError } from "../raft/mod.ts";
import { raftApiError } from "./raft-errors.ts";

/**
 * Committing a directory proposal from any node: propose here if this node leads, else
 * forward to the leader, and retry across leader changes until the client's deadline.
 * Retries are safe because every copy carries the same request id and the directory
 * applies an id once (a retry after a lost answer gets the first outcome). When no attempt
 * could tell whether the command took effect, the answer is `OUTCOME_UNKNOWN`, never an
 * outcome made up by a retry.
 * @module
 */

/** How long {@link Proposer.commit} may take and who may cut it short. */
export interface ProposeOptions {
  /**
   * Aborted when the client is gone (e.g. the HTTP request's signal). As a function it is
   * called only once a first attempt did not settle the proposal (before the first retry):
   * an HTTP route passes `() => c.req.raw.signal`, because Deno aborts a request's signal
   * after its response, with a `DOMException`, once anything read it.
   */
  signal?: AbortSignal | (() => AbortSignal);
  /** Upper bound in ms (default 10 000); the client's deadline when it has one. */
  timeoutMs?: number;
}

/** What a {@link Proposer} needs from its node. */
export interface ProposerDeps {
  /** Proposes on this node's Raft driver; rejects with a {@link RaftError}. */
  proposeHere(data: string): Promise<ApplyResult>;
  /**
   * Sends the proposal to member `leader` and resolves with the leader's answer; rejects
   * with an {@link ApiError} (the leader's own error, or TIMEOUT / UNAVAILABLE from the
   * transport). Returns `undefined` without sending when the leader cannot be addressed.
   */
  forward(
    leader: string,
    proposal: DirectoryProposal,
    timeoutMs: number,
  ): Promise<ApplyResult> | undefined;
  /** Whether the node is shutting down. */
  stopped?: () => boolean;
  /** Timers for the pauses and the deadline (default: the real ones). */
  timers?: Timers;
  /** Clock in ms (default `Date.now`). */
  now?: () => number;
  /** Longest wait for one forwarded attempt, ms (default 3000): a dead leader is left then. */
  attemptMs?: number;
  /** Pause between attempts, ms (default 50). */
  retryMs?: number;
}

/** Errors of a forward after which the proposal may have been applied by the leader. */
const UNKNOWN_REMOTE = new Set(["TIMEOUT", "UNAVAILABLE", "OUTCOME_UNKNOWN"]);
/** Local refusals after which a retry may succeed (nothing was applied). */
const RETRY_LOCAL = new Set([
  "NOT_COMMITTED",
  "PROPOSAL_DROPPED",
  "TRANSFER_IN_PROGRESS",
  "CONF_CHANGE_PENDING",
  "LEADER_CHANGED",
]);

const ABORTED = Symbol("aborted");

/** See the module documentation. */
export class Proposer {
  readonly #deps: ProposerDeps;
  readonly #timers: Timers;
  readonly #now: () => number;

  constructor(deps: ProposerDeps) {
    this.#deps = deps;
    this.#timers = deps.timers ?? REAL_TIMERS;
    this.#now = deps.now ?? Date.now;
  }

  /**
   * Commits `proposal` and resolves with the directory's result (a refusal is a result).
   *
   * @throws {ApiError} `OUTCOME_UNKNOWN` (504) when the deadline or the client's abort came
   * while the outcome was unknown; `UNAVAILABLE` / `NOT_LEADER` when it certainly did not
   * commit; the leader's definite errors (`PAYLOAD_TOO_LARGE`, `INVALID_REQUEST`, ...).
   */
  async commit(proposal: DirectoryProposal, opts: ProposeOptions = {}): Promise<ApplyResult> {
    const deadline = this.#now() + (opts.timeoutMs ?? 10_000);
    const data = JSON.stringify(proposal);
    const lazy = typeof opts.signal === "function" ? opts.signal : undefined;
    let signal = typeof opts.signal === "function" ? undefined : opts.signal;
    const stopped = () => this.#deps.stopped?.() === true || signal?.aborted === true;
    let unknown = false;
    let last: ApiError | undefined;
    while (!stopped() && this.#now() < deadline) {
      let leader: string | null = null;
      const here = await this.#within(this.#deps.proposeHere(data), deadline, signal);
      if (here.ok) return here.value;
      if (here.error === ABORTED) {
        unknown = true;
        break;
      }
      const e = here.error;
      if (!(e instanceof RaftError)) throw raftApiError(e);
      if (e.code === "NOT_LEADER") {
        leader = e.leader;
        last = raftApiError(e);
      } else if (outcomeUnknown(e)) {
        unknown = true;
        last = raftApiError(e);
      } else if (RETRY_LOCAL.has(e.code)) {
        last = raftApiError(e);
      } else {
        throw raftApiError(e);
      }
      if (leader !== null && leader !== undefined) {
        const budget = Math.min(deadline - this.#now(), this.#deps.attemptMs ?? 3000);
        const sent = this.#deps.forward(leader, proposal, Math.max(1, budget));
        if (sent) {
          const there = await this.#within(sent, deadline, signal);
          if (there.ok) return there.value;
          if (there.error === ABORTED) {
            unknown = true;
            break;
          }
          const fe = raftApiError(there.error);
          last = fe;
          if (UNKNOWN_REMOTE.has(fe.code)) unknown = true;
          else if (fe.code !== "NOT_LEADER" && fe.code !== "CONFLICT") throw fe;
        }
      }
      if (lazy && signal === undefined) signal = lazy();
      await this.#pause(Math.min(this.#deps.retryMs ?? 50, deadline - this.#now()), signal);
    }
    if (unknown) {
      throw new ApiError(
        "OUTCOME_UNKNOWN",
        `The write may or may not have been committed (request ${proposal.request_id}): ${
          last?.message ?? "the client gave up"
        }`,
        { request_id: proposal.request_id, last: last?.code ?? null },
      );
    }
    throw last ?? new ApiError("UNAVAILABLE", "No leader to commit to", {});
  }

  /** Waits for `p`, but not past `deadline` nor the abort of `signal` (then: ABORTED). */
  #within<T>(
    p: Promise<T>,
    deadline: number,
    signal: AbortSignal | undefined,
  ): Promise<{ ok: true; value: T } | { ok: false; error: unknown }> {
    return new Promise((resolve) => {
      let done = false;
      const finish = (r: { ok: true; value: T } | { ok: false; error: unknown }) => {
        if (done) return;
        done = true;
        this.#timers.clear(timer);
        signal?.removeEventListener("abort", onAbort);
        resolve(r);
      };
      const onAbort = () => finish({ ok: false, error: ABORTED });
      const timer = this.#timers.set(onAbort, Math.max(0, deadline - this.#now()));
      signal?.addEventListener("abort", onAbort, { once: true });
      p.then((value) => finish({ ok: true, value }), (error) => finish({ ok: false, error }));
    });
  }

  #pause(ms: number, signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        this.#timers.clear(timer);
        signal?.removeEventListener("abort", done);
        resolve();
      };
      const timer = this.#timers.set(done, Math.max(0, ms));
      signal?.addEventListener("abort", done, { once: true });
    });
  }
}
