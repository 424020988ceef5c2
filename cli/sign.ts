import { parseSigningKey, signComponent } from "../runtime/security/mod.ts";
import type { FormPart } from "./multipart.ts";

/** A component's signature fields, as `POST /api/v1/agents` takes them. */
export interface ComponentSignature {
  signature: string;
  key_id: string;
}

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

/** The multipart fields that carry a signature. */
export function signatureParts(s: ComponentSignature): FormPart[] {
  const enc = new TextEncoder();
  return [
    { name: "signature", contentType: "text/plain", data: enc.encode(s.signature) },
    { name: "key_id", contentType: "text/plain", data: enc.encode(s.key_id) },
  ];
}
