import type { AgentRecord, LifecycleState } from "../directory/mod.ts";
import type { AmsAgentDescription, AmsState } from "../sl/mod.ts";
import { aid } from "../acl/mod.ts";

/**
 * The FIPA life-cycle state (SC00023) of each runtime lifecycle state: loading agents are
 * `initiated`, running or draining ones `active`, hibernated ones `waiting` (idle until a
 * message arrives), migrating ones `transit`, stopped or failed ones `suspended`.
 */
export const FIPA_STATE: Record<LifecycleState, AmsState> = {
  unloaded: "initiated",
  loaded: "initiated",
  running: "active",
  draining: "active",
  hibernated: "waiting",
  migrating: "transit",
  stopped: "suspended",
  failed: "suspended",
};

/** The runtime lifecycle states that show as one FIPA state. */
export function lifecycleStatesOf(state: AmsState): LifecycleState[] {
  return (Object.keys(FIPA_STATE) as LifecycleState[]).filter((s) => FIPA_STATE[s] === state);
}

/**
 * The `ams-agent-description` of a hosted agent as other platforms see it: its full name
 * `<local>@<platform>` with the platform's addresses.
 */
export function amsDescriptionOf(
  record: AgentRecord,
  platform: string,
  addresses: string[],
): AmsAgentDescription {
  const d: AmsAgentDescription = {
    name: aid(record.name.includes("@") ? record.name : `${record.name}@${platform}`, [
      ...addresses,
    ]),
    state: FIPA_STATE[record.state],
  };
  if (record.owner !== undefined) d.ownership = record.owner;
  return d;
}
