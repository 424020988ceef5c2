import { quorumSize } from "./conf.ts";

/**
 * The leader's queue of ReadIndex requests (Raft dissertation §6.4). Each read records the
 * commit index at the time it was asked and gets a sequence number; heartbeats carry the
 * latest sequence number and a follower's answer acknowledges every read up to it. A read is
 * released once a majority of voters acknowledged it: the leader was still the leader when
 * the read arrived, so the recorded commit index covers every write acknowledged before.
 * @module
 */

/** A read waiting for leadership confirmation. */
export interface PendingRead {
  /** Sequence number carried by heartbeats. */
  seq: number;
  /** Commit index when the read arrived. */
  index: number;
  /** The requester's context, returned with the result. */
  ctx: string;
  /** Who asked: the leader itself or a follower that forwarded the read. */
  from: string;
  /** Nodes that acknowledged a heartbeat carrying `seq` or later. */
  acks: Set<string>;
}

/** Pending ReadIndex requests of a leader. */
export class ReadIndexQueue {
  #seq = 0;
  #reads: PendingRead[] = [];

  /** Number of reads waiting. */
  get size(): number {
    return this.#reads.length;
  }

  /** Sequence number of the newest waiting read, or 0 if none waits. */
  lastSeq(): number {
    return this.#reads.length > 0 ? this.#reads[this.#reads.length - 1].seq : 0;
  }

  /** Queues a read at commit index `index`, acknowledged by the leader `self`. */
  add(index: number, ctx: string, from: string, self: string): PendingRead {
    const read = { seq: ++this.#seq, index, ctx, from, acks: new Set([self]) };
    this.#reads.push(read);
    return read;
  }

  /**
   * Records that `from` acknowledged heartbeats up to `seq`, and returns the reads (oldest
   * first) that now have a majority of `voters`.
   */
  ack(from: string, seq: number, voters: readonly string[]): PendingRead[] {
    for (const r of this.#reads) {
      if (r.seq > seq) break;
      r.acks.add(from);
    }
    return this.release(voters);
  }

  /** Removes and returns the reads (oldest first) acknowledged by a majority of `voters`. */
  release(voters: readonly string[]): PendingRead[] {
    if (voters.length === 0) return [];
    const q = quorumSize(voters.length);
    let last = -1;
    for (let i = 0; i < this.#reads.length; i++) {
      let n = 0;
      for (const v of voters) if (this.#reads[i].acks.has(v)) n++;
      if (n >= q) last = i;
    }
    return this.#reads.splice(0, last + 1);
  }

  /** Drops every waiting read (on losing leadership). */
  clear(): void {
    this.#reads = [];
  }
}
