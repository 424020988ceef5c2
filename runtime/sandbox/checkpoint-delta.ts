/**
 * What changed in an agent since its last checkpoint, as a sandbox Worker reports it: the
 * pages of each linear memory that differ from the previous checkpoint, every mutable
 * global, and the storage keys written or deleted. Memory, globals and storage all come
 * from the same message boundary, so a checkpoint never mixes points in time.
 * @module
 */

/** Size of a memory page as checkpoints track it (8 KiB: one Deno KV value). */
export const CHECKPOINT_PAGE_BYTES = 8192;

/** One page of a memory: its number and its bytes, or `null` for a page of zeros. */
export interface PageDelta {
  n: number;
  bytes: Uint8Array | null;
}

/** The changed pages of one linear memory. */
export interface MemoryDelta {
  /** The memory's index in its core instance. */
  index: number;
  /** Its length in bytes now (pages at or past it do not exist). */
  length: number;
  pages: PageDelta[];
}

/** One core instance's changes. */
export interface InstanceDelta {
  memories: MemoryDelta[];
  /** Every mutable numeric global (they are few: always all of them). */
  globals: { index: number; value: number | bigint }[];
}

/** An agent's changes since its last checkpoint. */
export interface CheckpointDelta {
  /** SHA-256 of the component the memory belongs to. */
  hash: string;
  /**
   * A full checkpoint lists every non-zero page and every storage entry: pages and keys
   * it does not list are zero or absent. Otherwise only what changed is listed.
   */
  full: boolean;
  instances: InstanceDelta[];
  /** Storage writes (last value of each key) and deletions since the last checkpoint. */
  storage: { set: [string, Uint8Array][]; del: string[] };
}
