/**
 * The audit trail: security-relevant events (deploys, lifecycle, migrations, drains, service
 * registrations, refused tokens, senders, snapshots and signatures) in a hash chain in Deno KV.
 * `chain.ts` is the pure chain (append, verify, prune plan); `log.ts` the KV shell.
 * @module
 */
export {
  type AuditEvent,
  type AuditOutcome,
  type AuditRecord,
  type ChainAnchor,
  chainNext,
  type ChainVerdict,
  GENESIS,
  ORIGIN,
  prunePlan,
  recordHash,
  verifyChain,
} from "./chain.ts";
export {
  deployedAgentOf,
  deployIntentId,
  outcomeOfResult,
  recoveredDetails,
  type ResultLike,
} from "./intent.ts";
export { type AuditIntent, AuditLog, type AuditPage, type AuditQuery } from "./log.ts";
