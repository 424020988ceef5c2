// Placeholder: the FIPA string codec (SC00070) is being written; see runtime/acl/mod.ts.
import { AclError } from "./acl-error.ts";
import type { AclMessage } from "./message.ts";

/** Parses an ACL message in the FIPA string representation. */
export function parseAclString(_text: string): AclMessage {
  throw new AclError("not implemented", [{ message: "not implemented" }]);
}

/** Writes an ACL message in the FIPA string representation. */
export function toAclString(_msg: AclMessage): string {
  throw new Error("not implemented");
}
