import {
  type AuditIntent,
  type AuditLog,
  deployedAgentOf,
  outcomeOfResult,
  recoveredDetails,
  type ResultLike,
} from "../audit/mod.ts";
import { type Timers, UNREF_TIMERS } from "../async/mod.ts";

/** What {@link startAuditRecovery} needs from the node. */
export interface AuditRecoveryDeps {
  audit: AuditLog;
  /** Results of the directory proposals applied from now on (`DirectoryMachine.onApplied`). */
  onApplied(listener: (requestId: string, result: ResultLike) => void): () => void;
  /** The outcome the directory remembers for a request id (its last 4096 requests). */
  remembered(requestId: string): ResultLike | undefined;
  /**
   * Resolves once this node's directory holds everything committed before the call (a
   * linearizable read); rejects when that cannot be known now (no leader).
   */
  caughtUp(): Promise<void>;
  /**
   * Whether this node holds the record of agent `agentId` under `name`: the outcome of a
   * deploy's intent (`deployIntentId`), stored in the record's commit. Without it, such
   * intents are recorded like the others (`unknown`).
   */
  deployed?(name: string, agentId: string): Promise<boolean>;
  /** Pause between failed catch-up attempts, ms (default 1000). */
  retryMs?: number;
  timers?: Timers;
}

/** The running recovery: how many records it stored, once done. */
export interface AuditRecovery {
  /** Resolves with the number of intents turned into records (0 once stopped early). */
  readonly done: Promise<number>;
  /** Ends the wait for the catch-up; the intents stay for the next start. */
  stop(): void;
}

/**
 * Turns the audit intents a crash left (directory writes answered before their records were
 * stored: `http/audit-trail.ts` `proposalAudit`) into records. Called after the cluster
 * started and before the HTTP server takes requests (the intents read are the previous
 * run's: request ids never repeat across starts). It listens to applied proposals at once,
 * then waits until the node caught up with the cluster (a linearizable read: after it, a
 * proposal of the crashed run that did not commit never will, its proposer being gone), and
 * records each intent with the outcome of its request's result (`outcomeOfResult`): the one
 * this node applied since it started, else the one the directory remembers, else
 * `unknown` (the write never committed, or this node's directory was replaced by a snapshot
 * from the leader taken more than 4096 requests after it). Each record deletes its intent in
 * the same commit.
 */
export async function startAuditRecovery(deps: AuditRecoveryDeps): Promise<AuditRecovery> {
  const results = new Map<string, ResultLike>();
  const wanted = new Set<string>();
  let loaded = false;
  const off = deps.onApplied((id, r) => {
    if (!loaded || wanted.has(id)) results.set(id, r);
  });
  const intents = await deps.audit.intents();
  for (const i of intents) wanted.add(i.requestId);
  loaded = true;
  for (const id of results.keys()) if (!wanted.has(id)) results.delete(id);
  // A deploy's intent shares its agent's record's commit: the record (kept by a deploy that
  // succeeded or whose node crashed before it answered, which the restart restores; deleted
  // by one that failed) tells its outcome, without the directory.
  const isDeploy = (i: { requestId: string; intent: AuditIntent }) =>
    deps.deployed !== undefined && deployedAgentOf(i.requestId) !== undefined &&
    typeof i.intent.details?.agent === "string";
  const deploys = intents.filter(isDeploy);
  const others = intents.filter((i) => !isDeploy(i));
  await Promise.all(deploys.map(async ({ requestId, intent }) => {
    const name = String(intent.details?.agent);
    const r = { ok: await deps.deployed!(name, deployedAgentOf(requestId)!) };
    await deps.audit.append({
      ...intent,
      outcome: outcomeOfResult(r),
      details: { ...intent.details, ...recoveredDetails(requestId, r) },
    }, { settles: requestId });
  }));
  const timers = deps.timers ?? UNREF_TIMERS;
  let stopped = false;
  let wake: (() => void) | undefined;
  const run = async (): Promise<number> => {
    if (others.length === 0) return deploys.length;
    for (;;) {
      if (stopped) return 0;
      try {
        await deps.caughtUp();
        break;
      } catch {
        await new Promise<void>((resolve) => {
          wake = resolve;
          timers.set(resolve, deps.retryMs ?? 1000);
        });
      }
    }
    if (stopped) return 0;
    await Promise.all(others.map(({ requestId, intent }) => {
      const r = results.get(requestId) ?? deps.remembered(requestId);
      return deps.audit.append({
        ...intent,
        outcome: outcomeOfResult(r),
        details: { ...intent.details, ...recoveredDetails(requestId, r) },
      }, { settles: requestId });
    }));
    return intents.length;
  };
  const done = run().finally(off);
  return {
    done,
    stop() {
      stopped = true;
      wake?.();
    },
  };
}
