/** KV key prefix of seen snapshot nonces. */
export const NONCE_PREFIX = ["migration-nonce"] as const;

/**
 * The snapshot nonces a node has accepted, in Deno KV (`["migration-nonce", nonce]`), so a
 * snapshot is accepted at most once even across restarts. Claims are atomic: of two
 * concurrent claims of one nonce exactly one wins.
 */
export class NonceStore {
  constructor(readonly kv: Deno.Kv) {}

  /** Records `nonce` as seen; false when it had been seen before. */
  async claim(
    nonce: string,
    info: { signer: string; agent: string; at: string },
  ): Promise<boolean> {
    const key = [...NONCE_PREFIX, nonce];
    const r = await this.kv.atomic().check({ key, versionstamp: null }).set(key, info).commit();
    return r.ok;
  }

  /**
   * Adds the claim of `nonce` to an atomic operation: the operation fails (commits nothing)
   * if the nonce was seen.
   */
  claimIn(
    op: Deno.AtomicOperation,
    nonce: string,
    info: { signer: string; agent: string; at: string },
  ): Deno.AtomicOperation {
    const key = [...NONCE_PREFIX, nonce];
    return op.check({ key, versionstamp: null }).set(key, info);
  }

  /** Whether `nonce` was seen. */
  async seen(nonce: string): Promise<boolean> {
    return (await this.kv.get([...NONCE_PREFIX, nonce])).versionstamp !== null;
  }
}
