/**
 * Message routing: from an accepted message to the endpoints of its receivers.
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
export { newMessageId } from "./message-id.ts";
export { hasHttpAddress, mtpRoute, type MtpSender } from "./mtp-route.ts";
export { ReplyWaiters, type SendAndWaitResult } from "./reply-waiters.ts";
