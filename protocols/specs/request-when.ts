import { tableSpec } from "../spec.ts";

/**
 * FIPA Request When (SC00028): `request-when`; the participant `refuse`s, or `agree`s and
 * waits for the precondition (the agree is not optional here), then ends with `failure`
 * or `inform` (inform-done or inform-result).
 */
export const requestWhenSpec = tableSpec("fipa-request-when", {
  idle: { initiator: { "request-when": "requested" } },
  requested: { participant: { agree: "agreed", refuse: "refused" } },
  agreed: { participant: { failure: "failed", inform: "done" } },
}, ["refused", "failed", "done"]);
