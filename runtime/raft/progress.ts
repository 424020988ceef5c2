/**
 * What a leader knows about one follower's log, and how it paces replication to it:
 * `probe` (one append at a time until the match point is found), `replicate` (optimistic
 * pipelining, bounded by an in-flight window), `snapshot` (waiting for an InstallSnapshot).
 * @module
 */

/** Replication state of one follower. */
export type ProgressState = "probe" | "replicate" | "snapshot";

/** A leader's view of one follower. */
export class Progress {
  /** Highest index known to match the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  /** Pacing state. */
  state: ProgressState = "probe";
  /** In `probe`: an append is outstanding, wait for its answer or the next heartbeat. */
  probeSent = false;
  /** In `snapshot`: the index of the snapshot sent. */
  pendingSnapshot = 0;
  /** In `snapshot`: ticks since it was sent (a lost snapshot is retried after a timeout). */
  snapshotTicks = 0;
  /** Heard from since the last check-quorum round. */
  recentActive = false;
  /** Last indices of appends sent and not yet acknowledged (in `replicate`). */
  inflight: number[] = [];

  /** @param next the first index to try; `maxInflight` the pipelining window */
  constructor(next: number, readonly maxInflight: number) {
    this.next = next;
  }

  /** Back to probing from the last known match. */
  becomeProbe(): void {
    this.next = this.state === "snapshot"
      ? Math.max(this.match + 1, this.pendingSnapshot + 1)
      : this.match + 1;
    this.state = "probe";
    this.probeSent = false;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  /** Starts pipelining after the match point. */
  becomeReplicate(): void {
    this.state = "replicate";
    this.next = this.match + 1;
    this.pendingSnapshot = 0;
    this.inflight = [];
  }

  /** Waits for the follower to install the snapshot ending at `index`. */
  becomeSnapshot(index: number): void {
    this.state = "snapshot";
    this.pendingSnapshot = index;
    this.snapshotTicks = 0;
    this.inflight = [];
  }

  /** True while the leader should not send this follower more appends. */
  isPaused(): boolean {
    switch (this.state) {
      case "probe":
        return this.probeSent;
      case "replicate":
        return this.inflight.length >= this.maxInflight;
      case "snapshot":
        return true;
    }
  }

  /** Records that an append ending at `lastIndex` carrying `count` entries was sent. */
  sentAppend(lastIndex: number, count: number): void {
    if (this.state === "replicate") {
      if (count > 0) {
        this.next = lastIndex + 1;
        this.inflight.push(lastIndex);
      }
    } else if (this.state === "probe") {
      this.probeSent = true;
    }
  }

  /** Records an acknowledgement of `index`; returns true if the match point advanced. */
  maybeUpdate(index: number): boolean {
    let updated = false;
    if (this.match < index) {
      this.match = index;
      this.probeSent = false;
      updated = true;
    }
    this.next = Math.max(this.next, index + 1);
    this.inflight = this.inflight.filter((i) => i > index);
    return updated;
  }

  /**
   * Handles a rejection of the append whose `prevIndex` was `rejected`; `matchHint` is the
   * highest index that may match, from the follower's conflict hint. Returns false when
   * the rejection is stale.
   */
  maybeDecrTo(rejected: number, matchHint: number): boolean {
    if (this.state === "replicate") {
      if (rejected <= this.match) return false;
      this.next = this.match + 1;
      return true;
    }
    if (this.next - 1 !== rejected) return false;
    this.next = Math.max(Math.min(rejected, matchHint + 1), this.match + 1);
    this.probeSent = false;
    return true;
  }
}
