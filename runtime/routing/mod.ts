/**
 * Message routing: from an accepted message to the endpoints of its receivers, and back.
 *
 * {@link MessageRouter} resolves every receiver before it delivers anything (a local
 * {@link LocalEndpoint}, else the first {@link RemoteRoute} that takes it: `peer` for another
 * node of the cluster, `mtp` for another platform), runs its {@link RouteGuard}s (protocol
 * policing) and then its {@link RouteObserver}s (history, tracing, metrics).
 *
 * ## The path of a send-and-wait, down and back
 *
 * Down: `http/routes/messages.ts` reads the body (`http/acl-body.ts` → `acl/` parses it) and
 * calls {@link ReplyWaiters.sendAndWait}, which registers the caller's name as a temporary
 * endpoint (a {@link ReplyInbox}) and routes the request through {@link MessageRouter.route}
 * (guards: `conversations/service.ts`). A local receiver's endpoint is the agent's mailbox
 * (`agents/` → `sandbox/agent-handle.ts` → the agent's Worker in `sandbox/worker/`); a
 * remote one goes out through `cluster/peer-route.ts` over `net/` to the owning node's
 * {@link MessageRouter.receiveForwarded}, or through {@link mtpRoute} (`mtp/`) to another
 * platform.
 *
 * Back, through `routing/` again: the agent's reply (a `send-message` effect of the sandbox)
 * is routed by `agents/` with {@link MessageRouter.route} like any message; its receiver is
 * the caller's name, so the router delivers it to the {@link ReplyInbox} (on another node: the
 * peer route brings it back to this one first), which matches it to the waiting
 * {@link PendingReply} by `in_reply_to` or `conversation_id` ({@link replyVerdict}). The wait
 * ends with the reply, with the routing or delivery failure of the request, or with
 * `504 TIMEOUT`; the HTTP route answers with it.
 *
 * @module
 */
export {
  type Deduper,
  type Delivery,
  type LocalEndpoint,
  MessageRouter,
  type RemoteRoute,
  type RouteGuard,
  type RouteObserver,
  type RouteOutcome,
} from "./router.ts";
export { foreignMessageId, newMessageId } from "./message-id.ts";
export {
  hasHttpAddress,
  mtpRoute,
  type MtpSender,
  outwardId,
  outwardMessage,
} from "./mtp-route.ts";
export { type AcceptForeign, foreignAcceptor } from "./accept-foreign.ts";
export { PendingReply, ReplyInbox, replyVerdict, type ReplyWanted } from "./reply-inbox.ts";
export {
  ReplyWaiters,
  type SendAndWaitOptions,
  type SendAndWaitResult,
  withCorrelation,
} from "./reply-waiters.ts";
