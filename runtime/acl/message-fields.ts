/**
 * Field rules of the ACL message model as plain data and regular expressions, without
 * schemas: what a sandbox Worker checks on every message an agent sends, without loading zod
 * (see `performative-set.ts`). `message.ts` builds the schemas.
 * @module
 */

/** The optional string-valued parameters, in the order the string form writes them. */
export const TEXT_PARAMS = [
  "language",
  "encoding",
  "ontology",
  "protocol",
  "conversation_id",
  "reply_with",
  "in_reply_to",
] as const;

/**
 * The pattern of `reply-by` (`ReplyBySchema`, zod's `iso.datetime({ offset: true, local:
 * true })`, is exactly a test of it; a unit test keeps the two equal): an ISO 8601 date-time,
 * UTC (`...Z`), with an offset (`...+02:00`), or local time without designator.
 */
export const REPLY_BY_PATTERN: RegExp =
  /^(?:(?:\d\d[2468][048]|\d\d[13579][26]|\d\d0[48]|[02468][048]00|[13579][26]00)-02-29|\d{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)|(?:02)-(?:0[1-9]|1\d|2[0-8])))T(?:(?:[01]\d|2[0-3]):[0-5]\d:[0-5]\d(?:\.\d+)?(?:Z|([+-](?:[01]\d|2[0-3]):[0-5]\d))|(?:[01]\d|2[0-3]):[0-5]\d(?::[0-5]\d(?:\.\d+)?)?)$/;

/** Whether `s` is a `reply-by` value the model accepts (what `ReplyBySchema` accepts). */
export function isReplyBy(s: string): boolean {
  return REPLY_BY_PATTERN.test(s);
}
