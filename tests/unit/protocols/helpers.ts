import assert from "node:assert/strict";
import type { Performative } from "../../../runtime/acl/mod.ts";
import {
  type Effect,
  type MachineState,
  MachineStateSchema,
  type MessageSeen,
  type ProtocolEvent,
  step,
  type Violation,
} from "../../../protocols/mod.ts";

/** A message with conversation id `c1`. */
export function m(
  performative: Performative,
  from: string,
  to: string | string[],
  extra: Partial<MessageSeen> = {},
): MessageSeen {
  return {
    performative,
    from,
    to: typeof to === "string" ? [to] : to,
    conversation_id: "c1",
    ...extra,
  };
}

/** The agent whose machine it is sent `msg`. */
export const sent = (message: MessageSeen): ProtocolEvent => ({
  type: "message",
  direction: "sent",
  message,
});

/** The agent whose machine it is received `msg`. */
export const recv = (message: MessageSeen): ProtocolEvent => ({
  type: "message",
  direction: "received",
  message,
});

/** A bystander saw `msg`. */
export const obs = (message: MessageSeen): ProtocolEvent => ({ type: "message", message });

/** A deadline event. */
export const at = (iso: string): ProtocolEvent => ({ type: "deadline", at: iso });

/** Feeds events that must all be legal; checks the state schema after each. */
export function run(
  state: MachineState,
  events: ProtocolEvent[],
): { state: MachineState; effects: Effect[] } {
  let s = state;
  const effects: Effect[] = [];
  for (const [i, e] of events.entries()) {
    const r = step(s, e);
    if (!r.ok) {
      assert.fail(`event ${i} (${JSON.stringify(e)}) was refused: ${r.violation.reason}`);
    }
    MachineStateSchema.parse(r.state);
    s = r.state;
    effects.push(...r.effects);
  }
  return { state: s, effects };
}

/** Feeds one event that must be refused; returns the violation. */
export function refused(state: MachineState, event: ProtocolEvent): Violation {
  const before = JSON.stringify(state);
  const r = step(state, event);
  if (r.ok) assert.fail(`event ${JSON.stringify(event)} was accepted`);
  assert.equal(JSON.stringify(state), before, "a refused step must not change the state");
  return r.violation;
}

/** A participant's thread state. */
export function thread(state: MachineState, party: string): string {
  const t = state.threads.find((t) => t.party === party);
  assert.ok(t, `no thread for ${party}`);
  return t.state;
}

export { assert };
