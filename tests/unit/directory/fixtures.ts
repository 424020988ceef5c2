import { aid } from "../../../runtime/acl/mod.ts";
import {
  apply,
  type ApplyOk,
  type DfAgentDescription,
  dfAgentDescription,
  type DirectoryCommand,
  type DirectoryState,
  serviceDescription,
} from "../../../runtime/directory/mod.ts";

/** A fixed instant plus `s` seconds, ISO 8601. */
export function at(s = 0): string {
  return new Date(Date.UTC(2026, 0, 1) + s * 1000).toISOString();
}

/** A valid raw Ed25519 public key in base64 (32 bytes of `fill`). */
export function key(fill = 1): string {
  return btoa(String.fromCharCode(...new Uint8Array(32).fill(fill)));
}

export const HASH = "sha256:" + "ab".repeat(32);

export function registerAgent(name: string, node = "node-a"): DirectoryCommand {
  return {
    type: "agent.register",
    name,
    node,
    state: "running",
    manifest: { capabilities: ["messaging"], limits: { memory_bytes: 1 << 20 } },
    component_hash: HASH,
    at: at(),
  };
}

/** A registration with one service of each given `type` (named `<type>-svc`). */
export function reg(name: string, ...types: string[]): DfAgentDescription {
  return dfAgentDescription(aid(name), {
    services: types.map((t) => serviceDescription({ name: `${t}-svc`, type: t })),
  });
}

export function dfRegister(d: DfAgentDescription, s = 0): DirectoryCommand {
  return { type: "df.register", description: d, at: at(s) };
}

/** Applies and requires success. */
export function mustApply(state: DirectoryState, c: DirectoryCommand): ApplyOk {
  const r = apply(state, c);
  if (!r.ok) throw new Error(`${c.type} refused: ${r.reason}: ${r.message}`);
  return r;
}
