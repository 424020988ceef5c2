import { tableSpec } from "../spec.ts";

/**
 * FIPA Subscribe (SC00035): `subscribe`; the participant `refuse`s or (optionally)
 * `agree`s, then sends `inform` (inform-result) each time the subscribed objects change,
 * until a `failure` or the initiator's cancel meta-protocol ends it.
 */
export const subscribeSpec = tableSpec("fipa-subscribe", {
  idle: { initiator: { subscribe: "subscribed" } },
  subscribed: {
    participant: { agree: "agreed", refuse: "refused", failure: "failed", inform: "notifying" },
  },
  agreed: { participant: { failure: "failed", inform: "notifying" } },
  notifying: { participant: { inform: "notifying", failure: "failed" } },
}, ["refused", "failed"]);
