/**
 * FIPA-SL (SC00008) content: a generic parser and writer that round-trip, and typed
 * converters for the fipa-agent-management ontology (SC00023).
 *
 * - Syntax: {@link parseSl}, {@link parseSlContent}, {@link writeSl}, {@link writeSlContent}
 *   over the tree in `ast.ts` ({@link SlTerm}); errors are {@link SlError} with position.
 * - Ontology: `agentIdentifierFromSl`/`ToSl`, `dfAgentDescriptionFromSl`/`ToSl`,
 *   `serviceDescriptionFromSl`/`ToSl`, `propertyFromSl`/`ToSl`, `amsAgentDescriptionFromSl`/`ToSl`,
 *   `searchConstraintsFromSl`/`ToSl`, `apDescriptionFromSl`/`ToSl`, `actionFromSl`/`ToSl`,
 *   the exception propositions ({@link FipaException}); errors are {@link OntologyError}
 *   carrying the exception to answer with.
 *
 * @example
 * ```ts
 * const [action] = parseSlContent(
 *   "((action (agent-identifier :name df@p) (search (df-agent-description) (search-constraints :max-results 5))))",
 * );
 * const a = actionFromSl(action); // { actor: {name: "df@p", ...}, action: { function: "search", ... } }
 * writeSlContent([resultToSl(action, slSequence([]))]);
 * ```
 * @module
 */
export {
  fillMissingValues,
  headOf,
  isKeyword,
  slApply,
  type SlDateTime,
  slDateTime,
  slEquals,
  slFrame,
  type SlItem,
  type SlList,
  slList,
  type SlNumber,
  slNumber,
  slNumberValue,
  type SlParam,
  slParam,
  slSequence,
  slSet,
  type SlString,
  slString,
  type SlTerm,
  type SlVariable,
  slVariable,
  type SlWord,
  slWord,
} from "./ast.ts";
export { isSlWord } from "./lexical.ts";
export { lineColumn, SlError } from "./sl-error.ts";
export { type ParseOptions, parseSl, parseSlContent, utf8ByteLength } from "./parser.ts";
export { writeSl, writeSlContent, writeSlString } from "./writer.ts";
export {
  isoToSlDateTime,
  parseSlDateTime,
  type SlDateTimeParts,
  slDateTimeToIso,
} from "./datetime.ts";
export { slText } from "./ontology/text.ts";
export {
  exceptionFromSl,
  exceptionPerformative,
  exceptionToSl,
  type FipaException,
  type FipaExceptionKind,
  OntologyError,
} from "./ontology/exceptions.ts";
export { agentIdentifierFromSl, agentIdentifierToSl } from "./ontology/agent-identifier.ts";
export {
  type DescriptionReadOptions,
  dfAgentDescriptionFromSl,
  dfAgentDescriptionToSl,
  propertyFromSl,
  propertyToSl,
  propertyValueFromSl,
  propertyValueToSl,
  serviceDescriptionFromSl,
  serviceDescriptionToSl,
} from "./ontology/df-description.ts";
export {
  AMS_STATES,
  type AmsAgentDescription,
  amsAgentDescriptionFromSl,
  amsAgentDescriptionToSl,
  type AmsState,
  type ApDescription,
  apDescriptionFromSl,
  apDescriptionToSl,
  type ApService,
  apServiceFromSl,
  apServiceToSl,
  HTTP_MTP_SERVICE,
} from "./ontology/ams-description.ts";
export {
  type SearchConstraints,
  searchConstraintsFromSl,
  searchConstraintsToSl,
} from "./ontology/search-constraints.ts";
export {
  type ActionExpression,
  actionFromIotaSl,
  actionFromSl,
  actionParts,
  actionToSl,
  type AgentDescription,
  doneFromSl,
  doneToSl,
  equalsIotaResultToSl,
  iotaResultToSl,
  MANAGEMENT_FUNCTIONS,
  type ManagementAction,
  type ManagementFunction,
  resultFromSl,
  resultToSl,
  SL_TRUE,
} from "./ontology/actions.ts";
