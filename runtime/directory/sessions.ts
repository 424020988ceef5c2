import { apply, type ApplyOptions } from "./apply.ts";
import type { DirectoryProposal } from "./commands.ts";
import type { ApplyResult, RememberedOutcome } from "./results.ts";
import type { DirectoryState } from "./state.ts";

/**
 * How many request outcomes the directory remembers (the oldest is forgotten first). A
 * retry must reach the log before this many other requests are applied after its first
 * copy; with retries bounded by the client's deadline (seconds) that is thousands of
 * commits per second. Part of the replicated behaviour: every replica must use the same.
 */
export const MAX_REMEMBERED_REQUESTS = 4096;

function remembered(r: ApplyResult): RememberedOutcome {
  return r.ok ? { ok: true } : { ok: false, reason: r.reason, message: r.message };
}

function replay(o: RememberedOutcome): ApplyResult {
  return o.ok
    ? { ok: true, events: [], duplicate: true }
    : { ok: false, reason: o.reason, message: o.message, duplicate: true };
}

/**
 * Applies a proposal at most once: the first time its `request_id` is seen the command is
 * applied ({@link apply}) and its outcome remembered; a later proposal with the same id (a
 * retry whose first copy committed) changes nothing and returns the remembered outcome
 * (`duplicate: true`, no value, no events). Refusals are remembered too, so a retry never
 * turns a refusal into a success or the reverse. Deterministic: the memory is bounded by
 * count (`limit`, default {@link MAX_REMEMBERED_REQUESTS}), oldest first — no clock.
 *
 * @example
 * ```ts
 * const p = { request_id: "n1/7", command: { type: "df.deregister", name: "x@p", at } };
 * applyOnce(state, p); // applied
 * applyOnce(state, p); // the same outcome, duplicate: true, state unchanged
 * ```
 */
export function applyOnce(
  state: DirectoryState,
  proposal: DirectoryProposal,
  limit = MAX_REMEMBERED_REQUESTS,
  opts: ApplyOptions = {},
): ApplyResult {
  const seen = state.requests.get(proposal.request_id);
  if (seen) return replay(seen);
  const result = apply(state, proposal.command, opts);
  remember(state, proposal.request_id, remembered(result), limit);
  return result;
}

/** Records an outcome, forgetting the oldest beyond `limit`. */
export function remember(
  state: DirectoryState,
  id: string,
  outcome: RememberedOutcome,
  limit = MAX_REMEMBERED_REQUESTS,
): void {
  state.requests.set(id, outcome);
  for (const old of state.requests.keys()) {
    if (state.requests.size <= limit) break;
    state.requests.delete(old);
  }
}
