/**
 * The platform's AMS and DF as pure functions (SC00023 over the FIPA request protocol,
 * SC00026, and DF subscriptions over the subscribe protocol, SC00035).
 *
 * {@link handleManagementMessage} turns an incoming ACL message into replies, directory
 * commands and subscription changes. Mutations are split in two steps: the first answers
 * `agree` and returns the commands with a {@link PendingRequest}; after the shell commits
 * the commands through Raft, {@link completeRequest} builds the final `inform` or
 * `failure` from the apply results ({@link failRequest} when the commit itself failed).
 * {@link notifySubscribers} says which subscribers get which `inform` for directory events.
 *
 * @example
 * ```ts
 * const ctx = { platform: "node-a", addresses: ["http://node-a:7778/acc"], now, directory };
 * const out = handleManagementMessage(ctx, request);
 * out.replies.forEach(send);
 * if (out.pending) {
 *   const results = await raft.commit(out.commands);
 *   send(completeRequest(out.pending, results));
 *   notifySubscribers(subscriptions, results.flatMap((r) => (r.ok ? r.events : []))).forEach(send);
 * }
 * ```
 * @module
 */
export {
  defaultMayModify,
  type ManagementAgent,
  type ManagementContext,
  managementTarget,
  platformAgentId,
  sameAgentName,
} from "./context.ts";
export { envelopeProblem, isAgentManagementOntology, isFipaSl } from "./envelope.ts";
export { type ManagementOutcome } from "./outcome.ts";
export {
  AGENT_MANAGEMENT_ONTOLOGY,
  buildReply,
  DEFAULT_LANGUAGE,
  type ReplyTemplate,
  replyTemplate,
} from "./reply.ts";
export { messageToSl, notUnderstood } from "./not-understood.ts";
export { completeRequest, failRequest, failureException, type PendingRequest } from "./pending.ts";
export { handleDfCancel, handleDfRequest, handleDfSubscribe } from "./df-handler.ts";
export { effectiveMaxResults } from "./max-results.ts";
export { handleAmsRequest, searchAms } from "./ams-handler.ts";
export { type AgentManagementAction, handleAmsManagement, selfOnly } from "./ams-manage.ts";
export { amsDescriptionOf, FIPA_STATE, lifecycleStatesOf } from "./ams-state.ts";
export { handleManagementMessage } from "./handle.ts";
export { handleAmsCancel, handleAmsSubscribe } from "./ams-subscribe.ts";
export {
  type AmsSubscription,
  type AmsSubscriptionRegistry,
  emptyAmsSubscriptions,
  matchesAmsTemplate,
  notifyAmsSubscribers,
  type PlatformEvent,
  platformEvents,
} from "./ams-subscriptions.ts";
export {
  directoryAgentId,
  fullAgentId,
  inDirectoryNames,
  localNameOf,
  withFullName,
} from "./names.ts";
export {
  DF_SERVICE_TYPE,
  type FederatedAnswer,
  federatedDfs,
  type FederatedSearch,
  federatedSearchInform,
  type FederationContext,
  federationDescription,
  isAlreadyRegistered,
  mergeSearchResults,
  readFederatedAnswer,
  registrationRequest,
  type RequestIds,
  searchRequestTo,
} from "./federation.ts";
export { SearchIdMemory } from "./search-ids.ts";
export {
  addSubscription,
  dropSubscriber,
  emptySubscriptions,
  findSubscription,
  notification,
  notifySubscribers,
  type Registry,
  removeSubscription,
  type Subscription,
  subscriptionKey,
  type SubscriptionKeyed,
  type SubscriptionRegistry,
} from "./subscriptions.ts";
