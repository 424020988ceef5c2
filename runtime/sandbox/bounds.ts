import { ApiError } from "../errors/mod.ts";
import { within } from "./grants.ts";
import type { Limits, Manifest } from "./manifest.ts";

/**
 * The most any agent on this node may ask for, set by the operator. A deploy or update
 * beyond a limit is refused with `400 INVALID_REQUEST` naming the field and the bound; one
 * asking for a grant the operator does not allow with `403 FORBIDDEN` naming the grant.
 */
export interface AgentBounds {
  /** Largest `limits.memory`, bytes. */
  memory: number;
  /** Largest `limits.cpu_ms_per_call`. */
  cpuMsPerCall: number;
  /** Largest `limits.mailbox`. */
  mailbox: number;
  /** Largest `manifest.storage_quota`, bytes. */
  storageQuota: number;
  /**
   * Hosts a manifest's `net` may name (`--agent-net-allow`): `host` (any port, and any
   * `host:port` grant), `host:port`, `*.domain` (its subdomains) or `*` (anything).
   */
  netAllow: readonly string[];
  /**
   * Absolute directories a manifest's `files` may name besides the agent's own root
   * (`--agent-files-allow`); relative grants are always inside the agent's root.
   */
  filesAllow: readonly string[];
}

/** Default bounds: well under a small machine's size (see README, "Configuration"). */
export const DEFAULT_AGENT_BOUNDS: AgentBounds = {
  memory: 256 * 1024 * 1024,
  cpuMsPerCall: 5_000,
  mailbox: 10_000,
  storageQuota: 64 * 1024 * 1024,
  netAllow: [],
  filesAllow: [],
};

/** Which node setting (flag name) holds each bound, for error messages. */
export const BOUND_SETTINGS = {
  memory: "max-agent-memory",
  cpuMsPerCall: "max-agent-cpu-ms",
  mailbox: "max-agent-mailbox",
  storageQuota: "max-agent-storage",
  netAllow: "agent-net-allow",
  filesAllow: "agent-files-allow",
} as const;

/** One field of a manifest or limits beyond the node's bounds. */
export interface BoundViolation {
  /** Dotted path, e.g. `limits.memory` or `manifest.net`. */
  field: string;
  /** `FORBIDDEN` for a grant the operator does not allow, else `INVALID_REQUEST`. */
  code: "INVALID_REQUEST" | "FORBIDDEN";
  /** The node setting that bounds it, e.g. `max-agent-memory`. */
  setting: string;
  value: unknown;
  bound: unknown;
  message: string;
}

/** Whether the operator's `agent-net-allow` covers a `net` grant. Pure. */
export function netAllowed(grant: string, allow: readonly string[]): boolean {
  const host = grant.replace(/:\d+$/, "");
  return allow.some((a) =>
    a === "*" || a === grant || a === host ||
    (a.startsWith("*.") && host.endsWith(a.slice(1)) && host.length > a.length - 1)
  );
}

/**
 * The first field of `manifest` or `limits` (either may be omitted, then it is not checked)
 * beyond `bounds`, or undefined when all are within. Pure.
 */
export function boundViolation(
  what: { manifest?: Manifest; limits?: Limits },
  bounds: AgentBounds,
): BoundViolation | undefined {
  const over = (field: string, key: keyof typeof BOUND_SETTINGS, value: number, bound: number) =>
    value > bound
      ? {
        field,
        code: "INVALID_REQUEST" as const,
        setting: BOUND_SETTINGS[key],
        value,
        bound,
        message: `${field} ${value} exceeds the node's ${BOUND_SETTINGS[key]} ${bound}`,
      }
      : undefined;
  const l = what.limits;
  const m = what.manifest;
  const found = (l && (over("limits.memory", "memory", l.memory, bounds.memory) ??
    over("limits.cpu_ms_per_call", "cpuMsPerCall", l.cpu_ms_per_call, bounds.cpuMsPerCall) ??
    over("limits.mailbox", "mailbox", l.mailbox, bounds.mailbox))) ??
    (m && over("manifest.storage_quota", "storageQuota", m.storage_quota, bounds.storageQuota));
  if (found || !m) return found;
  const show = (xs: readonly string[]) => xs.length ? xs.join(", ") : "none";
  for (const [i, g] of m.net.entries()) {
    if (netAllowed(g, bounds.netAllow)) continue;
    return {
      field: `manifest.net[${i}]`,
      code: "FORBIDDEN",
      setting: BOUND_SETTINGS.netAllow,
      value: g,
      bound: [...bounds.netAllow],
      message: `the net grant ${JSON.stringify(g)} is not allowed: the node's agent-net-allow ` +
        `allows ${show(bounds.netAllow)}`,
    };
  }
  for (const [i, f] of m.files.entries()) {
    if (!f.path.startsWith("/") || bounds.filesAllow.some((d) => within(f.path, d))) continue;
    return {
      field: `manifest.files[${i}].path`,
      code: "FORBIDDEN",
      setting: BOUND_SETTINGS.filesAllow,
      value: f.path,
      bound: [...bounds.filesAllow],
      message: `the files grant ${JSON.stringify(f.path)} is not allowed: absolute directories ` +
        `must be inside the node's agent-files-allow (${show(bounds.filesAllow)}); relative ` +
        `ones are inside the agent's own root`,
    };
  }
  return undefined;
}

/**
 * Refuses a manifest or limits beyond the node's bounds.
 *
 * @throws {ApiError} `INVALID_REQUEST` naming the field, its value and the bound, or
 * `FORBIDDEN` naming a grant the operator does not allow.
 */
export function checkAgentBounds(
  what: { manifest?: Manifest; limits?: Limits },
  bounds: AgentBounds,
): void {
  const v = boundViolation(what, bounds);
  if (!v) return;
  throw new ApiError(v.code, v.message, {
    field: v.field,
    setting: v.setting,
    value: v.value,
    bound: v.bound,
  });
}
