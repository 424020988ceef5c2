/**
 * The FIPA ACL message model and its two wire forms.
 *
 * - {@link AclMessage}: the canonical model (zod schema {@link AclMessageSchema}).
 * - JSON form: {@link parseAclJson} / {@link toAclJson}.
 * - FIPA string representation (SC00070): {@link parseAclString} / {@link toAclString}.
 *
 * @example
 * ```ts
 * import { parseAclString, toAclJson } from "./runtime/acl/mod.ts";
 * const msg = parseAclString('(inform :sender (agent-identifier :name a@x) :content "hi")');
 * toAclJson(msg);
 * ```
 * @module
 */
export {
  isPerformative,
  type Performative,
  PERFORMATIVES,
  PerformativeSchema,
  UNANSWERED_ACTS,
} from "./performative.ts";
export {
  type AgentIdentifier,
  AgentIdentifierSchema,
  AgentNameSchema,
  AgentRefSchema,
  aid,
  hasOnlyKeys,
  isAgentName,
  isBareAid,
  isCanonicalAid,
  isPlainRecord,
  MAX_AID_NESTING,
} from "./agent-id.ts";
export {
  type AclMessage,
  AclMessageSchema,
  isAclWord,
  isJsonValue,
  type JsonValue,
  JsonValueSchema,
  MAX_JSON_DEPTH,
  ProtocolWordSchema,
  ReplyBySchema,
  TEXT_PARAMS,
} from "./message.ts";
export { AclError, type AclIssue } from "./acl-error.ts";
export {
  type AclJson,
  type AclJsonInput,
  AclJsonSchema,
  parseAclJson,
  parseAclJsonBySchema,
  toAclJson,
  zodIssues,
} from "./json-form.ts";
export {
  type AclStringWriteOptions,
  parseAclString,
  type ParseAclStringOptions,
  toAclString,
} from "./string-form.ts";
export {
  buildReplyTo,
  notUnderstoodReply,
  type ReplyBody,
  type ReplyError,
  type ReplyFields,
  replyFields,
  type ReplyFieldsOptions,
} from "./reply.ts";
export { ACL_MAX_DEPTH, AclLexer, type AclToken, type AtomKind } from "./string-lexer.ts";
export { aclStringLiteral } from "./string-writer.ts";
export {
  ACL_XML_REPRESENTATION,
  parseAclXml,
  type ParseAclXmlOptions,
  toAclXml,
} from "./xml-form.ts";
export {
  escapeXmlAttr,
  escapeXmlText,
  isXmlSafe,
  parseXml,
  type XmlElement,
  XmlSyntaxError,
} from "./xml-tree.ts";
export {
  type FipaDateTime,
  fipaDateTimeToIso,
  isoToFipaDateTime,
  militaryOffsetHours,
  readFipaDateTime,
} from "./fipa-datetime.ts";
