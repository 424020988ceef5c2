import { tableSpec } from "../spec.ts";

/**
 * FIPA Request (SC00026): `request`; the participant may `refuse`, or `agree` first when
 * notification is necessary (the agree is optional), then ends with `failure` or `inform`
 * (inform-done or inform-result).
 */
export const requestSpec = tableSpec("fipa-request", {
  idle: { initiator: { request: "requested" } },
  requested: {
    participant: { agree: "agreed", refuse: "refused", failure: "failed", inform: "done" },
  },
  agreed: { participant: { failure: "failed", inform: "done" } },
}, ["refused", "failed", "done"]);
