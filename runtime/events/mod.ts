/**
 * Node events (`agent.*`, `message.*`, `task.*`, `system.alert`, ...) and their bus.
 * @module
 */
export { type EventFilter, matches, type NodeEvent } from "./types.ts";
export { EventBus, type EventListener } from "./bus.ts";
