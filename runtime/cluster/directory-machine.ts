import {
  apply,
  type ApplyResult,
  createDirectoryState,
  type DirectoryEvent,
  type DirectoryState,
  parseDirectoryCommand,
  restore,
  snapshot,
} from "../directory/mod.ts";
import type { NormalEntry, RaftStateMachine } from "../raft/mod.ts";

const decoder = new TextDecoder();

/**
 * The directory as Raft's state machine: each committed entry is one JSON
 * `DirectoryCommand`; applying it returns the directory's {@link ApplyResult}. A command
 * that does not parse is refused as `unsupported-value` (every replica refuses it alike).
 */
export class DirectoryMachine implements RaftStateMachine<ApplyResult> {
  state: DirectoryState = createDirectoryState();
  readonly #listeners = new Set<(events: DirectoryEvent[]) => void>();

  apply(entry: NormalEntry): ApplyResult {
    let cmd;
    try {
      cmd = parseDirectoryCommand(JSON.parse(decoder.decode(entry.data)));
    } catch (e) {
      return {
        ok: false,
        reason: "unsupported-value",
        message: `entry ${entry.index} is not a directory command: ${(e as Error).message}`,
      };
    }
    const r = apply(this.state, cmd);
    if (r.ok && r.events.length) {
      for (const l of this.#listeners) {
        try {
          l(r.events);
        } catch { /* listeners must not break replication */ }
      }
    }
    return r;
  }

  snapshot(): Uint8Array {
    return snapshot(this.state);
  }

  restore(data: Uint8Array): void {
    this.state = restore(data);
    for (const l of this.#listeners) l([]);
  }

  /** Calls `listener` with the events of every applied command; returns the unsubscribe. */
  onEvents(listener: (events: DirectoryEvent[]) => void): () => void {
    this.#listeners.add(listener);
    return () => void this.#listeners.delete(listener);
  }
}
