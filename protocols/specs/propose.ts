import { tableSpec } from "../spec.ts";

/** FIPA Propose (SC00036): `propose`; the participant answers `accept-proposal` or `reject-proposal`. */
export const proposeSpec = tableSpec("fipa-propose", {
  idle: { initiator: { propose: "proposed" } },
  proposed: { participant: { "accept-proposal": "accepted", "reject-proposal": "rejected" } },
}, ["accepted", "rejected"]);
