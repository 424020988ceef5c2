import { ACL_XML_REPRESENTATION, type AgentIdentifier } from "../acl/mod.ts";
import { ACL_STRING_REPRESENTATION } from "./names.ts";

/** The ACL representations the HTTP MTP sends and reads. */
export type AclRepresentation = typeof ACL_STRING_REPRESENTATION | typeof ACL_XML_REPRESENTATION;

/** The user-defined slot of an agent identifier that asks for a representation. */
export const REPRESENTATION_SLOT = "X-acl-representation";

/** The platform part of an agent name (`buyer@jade-host:1099/JADE` → `jade-host:1099/JADE`). */
function platformOf(name: string): string | undefined {
  const at = name.indexOf("@");
  return at < 0 ? undefined : name.slice(at + 1).toLowerCase();
}

function asRepresentation(s: string | undefined): AclRepresentation | undefined {
  const v = s?.trim().toLowerCase();
  return v === ACL_STRING_REPRESENTATION || v === ACL_XML_REPRESENTATION ? v : undefined;
}

/**
 * Which ACL representation to send to each foreign receiver, chosen in this order:
 * 1. the receiver's own preference, a user-defined slot of its identifier
 *    (`X-acl-representation`: `fipa.acl.rep.xml.std` or `fipa.acl.rep.string.std`);
 * 2. the representation its platform (the part of its name after `@`) last used to send us
 *    a message;
 * 3. the string representation (SC00070), which every FIPA platform reads.
 *
 * Pure state (no clock, no I/O); bounded: the oldest platforms are forgotten first.
 */
export class RepresentationChoice {
  readonly #lastUsed = new Map<string, AclRepresentation>();

  constructor(readonly maxPlatforms = 1024) {}

  /** Notes the representation a message from `sender` arrived in. */
  seen(sender: AgentIdentifier | undefined, representation: string): void {
    const platform = sender && platformOf(sender.name);
    const r = asRepresentation(representation);
    if (platform === undefined || r === undefined) return;
    this.#lastUsed.delete(platform);
    this.#lastUsed.set(platform, r);
    if (this.#lastUsed.size > this.maxPlatforms) {
      this.#lastUsed.delete(this.#lastUsed.keys().next().value!);
    }
  }

  /** The representation to send to `receiver` in. */
  for(receiver: AgentIdentifier): AclRepresentation {
    const own = asRepresentation(
      Object.entries(receiver.user_params).find(([k]) =>
        k.toLowerCase() === REPRESENTATION_SLOT.toLowerCase()
      )?.[1],
    );
    if (own) return own;
    const platform = platformOf(receiver.name);
    return (platform && this.#lastUsed.get(platform)) || ACL_STRING_REPRESENTATION;
  }
}
