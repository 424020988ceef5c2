import type { Config } from "../config/mod.ts";
import { parsePublisherKey, type PublisherKey, TrustedPublishers } from "../security/mod.ts";

/**
 * The node's trusted agent publishers from `trustedPublisherKeys`: each entry is a key (PEM
 * or base64) or a file holding PEM keys or one base64 key per line.
 *
 * @throws {Error} naming the entry that is neither, or when signatures are required but no
 *   key is trusted
 */
export async function trustedPublishers(
  config: Pick<Config, "trustedPublisherKeys" | "requireSignedAgents">,
  readFile: (path: string) => Promise<string> = (p) => Deno.readTextFile(p),
): Promise<TrustedPublishers | undefined> {
  const keys: PublisherKey[] = [];
  for (const entry of config.trustedPublisherKeys) {
    try {
      keys.push(await parsePublisherKey(entry));
      continue;
    } catch { /* not a key itself: a file */ }
    let text: string;
    try {
      text = await readFile(entry);
    } catch (e) {
      throw new Error(
        `--trusted-publisher-key '${entry}' is neither an Ed25519 public key nor a readable file: ${
          (e as Error).message
        }`,
      );
    }
    const blocks = text.match(/-----BEGIN PUBLIC KEY-----[\s\S]*?-----END PUBLIC KEY-----/g) ??
      text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l && !l.startsWith("#"));
    for (const b of blocks) {
      try {
        keys.push(await parsePublisherKey(b));
      } catch (e) {
        throw new Error(`--trusted-publisher-key file '${entry}': ${(e as Error).message}`);
      }
    }
  }
  const require = config.requireSignedAgents === "on";
  if (require && keys.length === 0) {
    throw new Error("--require-signed-agents needs at least one --trusted-publisher-key");
  }
  return keys.length > 0 || require ? new TrustedPublishers(keys, require) : undefined;
}
