import type { AclMessage } from "../acl/mod.ts";
import { seenFromAcl, type TrackedMessage } from "../../protocols/mod.ts";

/** Maps an agent name to the one spelling trackers use (`echo`, `echo@node-a` → `echo@plat`). */
export type CanonicalName = (name: string) => string;

/** Name given to the sender of a message that names none (HTTP clients may omit it). */
export const ANONYMOUS_SENDER = "anonymous";

/**
 * A canonical-name function over a router's notion of local names: a name of this platform
 * (bare, or qualified with the platform or one of its aliases) becomes `local@platform`;
 * other platforms' names are kept as they are.
 *
 * @example
 * ```ts
 * const canon = canonicalNames((n) => n.endsWith("@b") ? undefined : n.split("@")[0], "a");
 * canon("echo");      // "echo@a"
 * canon("x@b");       // "x@b"
 * ```
 */
export function canonicalNames(
  localName: (name: string) => string | undefined,
  platform: string,
): CanonicalName {
  return (name) => {
    const local = localName(name);
    return local === undefined ? name : `${local}@${platform}`;
  };
}

/**
 * The protocol-relevant facts of a routed message with canonical agent names, stamped with
 * the time the node accepted it. Pure.
 */
export function trackedFromAcl(
  msg: AclMessage,
  canon: CanonicalName,
  acceptedAt: string,
): TrackedMessage {
  // `seenFromAcl` gives a new object with new lists: canonicalized in place, no copies.
  const out: TrackedMessage = seenFromAcl(msg, ANONYMOUS_SENDER);
  out.from = canon(out.from);
  const to = out.to;
  for (let i = 0; i < to.length; i++) to[i] = canon(to[i]);
  out.timestamp = acceptedAt;
  const replyTo = out.reply_to;
  if (replyTo !== undefined) {
    for (let i = 0; i < replyTo.length; i++) replyTo[i] = canon(replyTo[i]);
  }
  return out;
}
