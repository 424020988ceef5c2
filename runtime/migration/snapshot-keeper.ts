import { openSnapshot } from "./acceptance.ts";
import { KvBlobStore } from "./blob-store.ts";
import type {
  AgentCapture,
  AgentSnapshot,
  AgentSnapshots,
  SnapshotMeta,
  SnapshotReason,
} from "./capture.ts";
import { encodeSnapshot } from "./format.ts";
import { sealSnapshot, type Signer } from "./seal.ts";

/** Largest decompressed snapshot a node reads: 4 GiB of memory plus storage. */
export const MAX_SNAPSHOT_BYTES = 2 ** 32 + 2 ** 28;

/** What a {@link SnapshotKeeper} needs. */
export interface SnapshotKeeperOptions {
  kv: Deno.Kv;
  /** This node's id and key: snapshots are sealed with it. */
  signer: Signer;
  /** A node's public key (base64): this node's own, or a member's from the directory. */
  keyOf(node: string): string | undefined;
  /** Clock, ms since the epoch. */
  now?: () => number;
  /** Random bytes (for nonces). */
  random?: (n: number) => Uint8Array;
}

/** A sealed snapshot and what it holds. */
export interface Sealed {
  bytes: Uint8Array;
  snapshot: AgentSnapshot;
  /** Size before compression. */
  rawBytes: number;
}

/**
 * Takes, seals, stores and reads agents' snapshots: the one format that hibernation,
 * restarts and migration share. The last snapshot of each agent lives in Deno KV
 * (`["agent-snapshot", name]`, chunked) as the signed envelope, and is verified again when
 * read, so a corrupted or substituted one is refused rather than run.
 */
export class SnapshotKeeper implements AgentSnapshots {
  readonly blobs: KvBlobStore;
  readonly #now: () => number;
  readonly #random: (n: number) => Uint8Array;

  constructor(readonly opts: SnapshotKeeperOptions) {
    this.blobs = new KvBlobStore(opts.kv, "agent-snapshot");
    this.#now = opts.now ?? Date.now;
    this.#random = opts.random ?? ((n) => crypto.getRandomValues(new Uint8Array(n)));
  }

  /** This node's id. */
  get nodeId(): string {
    return this.opts.signer.id;
  }

  /** Fresh snapshot metadata: this node, now, a new nonce. */
  meta(reason: SnapshotReason, target?: string): SnapshotMeta {
    const nonce = Array.from(this.#random(32), (b) => b.toString(16).padStart(2, "0")).join("");
    return {
      source: this.nodeId,
      taken_at: new Date(this.#now()).toISOString(),
      nonce,
      reason,
      ...(target ? { target } : {}),
    };
  }

  /** Encodes, compresses and signs a capture. */
  async seal(capture: AgentCapture, meta: SnapshotMeta): Promise<Sealed> {
    const snapshot: AgentSnapshot = { ...capture, meta };
    const raw = encodeSnapshot(snapshot);
    return { bytes: await sealSnapshot(raw, this.opts.signer), snapshot, rawBytes: raw.length };
  }

  /**
   * Verifies and decodes sealed bytes read from this node's own storage. `stored` is a
   * signer's key kept with the bytes (for a snapshot another node signed), used when the
   * directory does not know the signer (yet: a restarted node's directory catches up later).
   */
  open(bytes: Uint8Array, stored?: { node: string; key: string }): Promise<AgentSnapshot> {
    return openSnapshot(bytes, {
      keyOf: (n) => this.opts.keyOf(n) ?? (n === stored?.node ? stored.key : undefined),
      maxBytes: MAX_SNAPSHOT_BYTES,
    });
  }

  async save(capture: AgentCapture, reason: SnapshotReason): Promise<{ bytes: number }> {
    const s = await this.seal(capture, this.meta(reason));
    await this.saveSealed(capture.record.name, s);
    return { bytes: s.bytes.length };
  }

  /**
   * Stores an already sealed snapshot as the agent's last one; `signerKey` (verified when
   * it arrived) is kept with it when another node signed it. `also` joins the commit that
   * makes it current (see {@link KvBlobStore.put}).
   */
  async saveSealed(
    name: string,
    s: Sealed,
    opts: { signerKey?: string; also?: (op: Deno.AtomicOperation) => void } = {},
  ): Promise<void> {
    await this.blobs.put(name, s.bytes, {
      nonce: s.snapshot.meta.nonce,
      reason: s.snapshot.meta.reason,
      source: s.snapshot.meta.source,
      // Lets the component collector see which component a kept snapshot needs.
      hash: s.snapshot.record.hash,
      ...(opts.signerKey ? { signer_key: opts.signerKey } : {}),
    }, opts.also);
  }

  async load(name: string): Promise<AgentCapture | undefined> {
    const got = await this.blobs.get(name);
    if (!got) return undefined;
    const info = got.info ?? {};
    const stored = typeof info.signer_key === "string" && typeof info.source === "string"
      ? { node: info.source, key: info.signer_key }
      : undefined;
    const { meta: _meta, ...capture } = await this.open(got.bytes, stored);
    return capture;
  }

  /**
   * Hashes of the components the kept snapshots belong to (read from the info stored with
   * each; a snapshot written without it is opened).
   */
  async componentHashes(): Promise<Set<string>> {
    const out = new Set<string>();
    for (const name of await this.blobs.names()) {
      const info = await this.blobs.info(name);
      if (typeof info?.hash === "string") out.add(info.hash);
      else {
        const c = await this.load(name).catch(() => undefined);
        if (c) out.add(c.record.hash);
      }
    }
    return out;
  }

  remove(name: string): Promise<void> {
    return this.blobs.delete(name);
  }
}
