import { tableSpec } from "../spec.ts";

/**
 * FIPA Query (SC00027): `query-if` or `query-ref`; the participant may `refuse`, or
 * optionally `agree`, then ends with `failure` or `inform` (inform-t/f for query-if,
 * inform-result for query-ref).
 */
export const querySpec = tableSpec("fipa-query", {
  idle: { initiator: { "query-if": "queried", "query-ref": "queried" } },
  queried: {
    participant: { agree: "agreed", refuse: "refused", failure: "failed", inform: "done" },
  },
  agreed: { participant: { failure: "failed", inform: "done" } },
}, ["refused", "failed", "done"]);
