import {
  apply,
  applyOnce,
  type ApplyResult,
  createDirectoryState,
  type DirectoryEvent,
  DirectoryProposalSchema,
  type DirectoryState,
  isCanonicalProposal,
  parseDirectoryCommand,
  restore,
  snapshot,
} from "../directory/mod.ts";
import type { NormalEntry, RaftStateMachine } from "../raft/mod.ts";

const decoder = new TextDecoder();
/** A `member.*` command in an entry's JSON (a false match only costs one more save). */
const MEMBER_COMMAND = /"type":\s*"member\./;

/**
 * The directory as Raft's state machine: each committed entry is one JSON
 * `DirectoryProposal` (a command with its client request id, applied at most once per id:
 * {@link applyOnce}) or, in logs written before request ids, a bare `DirectoryCommand`;
 * applying it returns the directory's {@link ApplyResult}. An entry that does not parse is
 * refused as `unsupported-value` (every replica refuses it alike).
 */
export class DirectoryMachine implements RaftStateMachine<ApplyResult> {
  state: DirectoryState = createDirectoryState();
  readonly #listeners = new Set<(events: DirectoryEvent[]) => void>();
  readonly #applied = new Set<(requestId: string, result: ApplyResult) => void>();

  /** Applies an entry; its freshly parsed command is owned (kept and frozen, not copied). */
  apply(entry: NormalEntry): ApplyResult {
    let run: () => ApplyResult;
    try {
      const json = JSON.parse(decoder.decode(entry.data));
      if (json !== null && typeof json === "object" && "request_id" in json) {
        // The common DF writes are checked by hand (the entry holds what the schema produced
        // on the leader); anything else, valid or not, goes through the schema.
        const p = isCanonicalProposal(json) ? json : DirectoryProposalSchema.parse(json);
        run = () => {
          const r = applyOnce(this.state, p, undefined, { owned: true });
          for (const l of this.#applied) {
            try {
              l(p.request_id, r);
            } catch { /* listeners must not break replication */ }
          }
          return r;
        };
      } else {
        const cmd = parseDirectoryCommand(json);
        run = () => apply(this.state, cmd, { owned: true });
      }
    } catch (e) {
      return {
        ok: false,
        reason: "unsupported-value",
        message: `entry ${entry.index} is not a directory command: ${(e as Error).message}`,
      };
    }
    const r = run();
    if (r.ok && r.events.length) {
      for (const l of this.#listeners) {
        try {
          l(r.events);
        } catch { /* listeners must not break replication */ }
      }
    }
    return r;
  }

  /**
   * Membership commands (`member.*`) are pinned: their commit is saved before they apply, so
   * that a restarted node knows every member whose frames it must accept (the transport
   * admits peers by the applied directory).
   */
  mustPersistCommit(entry: NormalEntry): boolean {
    return MEMBER_COMMAND.test(decoder.decode(entry.data));
  }

  snapshot(): Uint8Array {
    return snapshot(this.state);
  }

  restore(data: Uint8Array): void {
    this.state = restore(data);
    for (const l of this.#listeners) l([]);
  }

  /**
   * Calls `listener` with the request id and result of every proposal applied from now on
   * (a retry's duplicate included); returns the unsubscribe. The audit's recovery after a
   * crash reads the results of its intents' requests here (`node/audit-recovery.ts`).
   */
  onApplied(listener: (requestId: string, result: ApplyResult) => void): () => void {
    this.#applied.add(listener);
    return () => void this.#applied.delete(listener);
  }

  /** Calls `listener` with the events of every applied command; returns the unsubscribe. */
  onEvents(listener: (events: DirectoryEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}
