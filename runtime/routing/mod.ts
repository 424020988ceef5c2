/**
 * Message routing: from an accepted message to the endpoints of its receivers.
 * @module
 */
export { type Delivery, type LocalEndpoint, MessageRouter, type RouteOutcome } from "./router.ts";
export { newMessageId } from "./message-id.ts";
