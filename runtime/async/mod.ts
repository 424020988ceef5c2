/**
 * Small async helpers for shells (never for pure cores).
 * @module
 */
export { pollUntil } from "./poll.ts";
