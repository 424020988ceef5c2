/** Where and why an ACL input is wrong. */
export interface AclIssue {
  /** Path of the offending field in the JSON form, e.g. `["receiver", 0, "name"]`. */
  path?: (string | number)[];
  /** 1-based line of the offending token in the string form. */
  line?: number;
  /** 1-based column (in characters) of the offending token in the string form. */
  column?: number;
  /** What is wrong, naming the bad value. */
  message: string;
}

/**
 * A message that cannot be parsed or validated. `issues` point at the offending field
 * path (JSON form) or line and column (string form). The HTTP layer maps it to
 * `400 INVALID_ACL` with the issues as `details`.
 */
export class AclError extends Error {
  constructor(message: string, readonly issues: AclIssue[]) {
    super(message);
    this.name = "AclError";
  }
}
