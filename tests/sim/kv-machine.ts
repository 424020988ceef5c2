/**
 * The simulator's replicated state machine: a string key-value map. Commands are JSON
 * `{ key, value }` puts; reads do not go through the log (they use ReadIndex).
 * @module
 */

const enc = new TextEncoder();
const dec = new TextDecoder();

/** A put command. */
export interface PutCommand {
  /** The key written. */
  key: string;
  /** The value written (unique per operation in the simulator). */
  value: string;
}

/** Encodes a put for `RaftNode.propose`. */
export function encodePut(cmd: PutCommand): Uint8Array {
  return enc.encode(JSON.stringify(cmd));
}

/** Decodes a put from a log entry's data. */
export function decodePut(data: Uint8Array): PutCommand {
  return JSON.parse(dec.decode(data)) as PutCommand;
}

/** A key-value map that can be snapshotted and restored. */
export class KvMachine {
  #map = new Map<string, string>();

  /** Applies a put. */
  apply(cmd: PutCommand): void {
    this.#map.set(cmd.key, cmd.value);
  }

  /** The value of `key`, or null. */
  get(key: string): string | null {
    return this.#map.get(key) ?? null;
  }

  /** Serializes the whole map. */
  snapshot(): Uint8Array {
    return enc.encode(JSON.stringify([...this.#map].sort()));
  }

  /** Replaces the map with a snapshot's content (empty bytes: empty map). */
  restore(bytes: Uint8Array): void {
    this.#map = new Map(bytes.length === 0 ? [] : JSON.parse(dec.decode(bytes)));
  }

  /** A canonical string of the content, to compare replicas. */
  fingerprint(): string {
    return JSON.stringify([...this.#map].sort());
  }
}
