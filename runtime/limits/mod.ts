/**
 * Rate limiting cores: token buckets, single and keyed. Pure: time is passed in.
 * @module
 */
export { TokenBucket } from "./token-bucket.ts";
export { KeyedLimiter, type LimitDecision, type Rate } from "./keyed-limiter.ts";
