import { parseSigningKey, signComponent } from "../runtime/security/mod.ts";
import type { ComponentSignature } from "../client/mod.ts";

/**
 * Signs a component with the Ed25519 private key in `keyPem` (PEM PKCS #8, e.g. from
 * `openssl genpkey -algorithm ed25519`): the detached signature over its SHA-256.
 */
export async function signWith(
  bytes: Uint8Array,
  keyPem: string,
  keyPath: string,
): Promise<ComponentSignature> {
  let key;
  try {
    key = await parseSigningKey(keyPem);
  } catch (e) {
    throw new Error(`signing key '${keyPath}': ${(e as Error).message}`);
  }
  return { signature: await signComponent(bytes, key.key), key_id: key.keyId };
}
