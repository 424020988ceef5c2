import { ApiError } from "../errors/mod.ts";
import type { DenoPermissions, Limits, Manifest } from "./manifest.ts";

/**
 * Deno permissions an operator may allow agents to ask for (`--agent-permissions`). `run`,
 * `ffi`, `import` and `sys` are never grantable: the manifest schema refuses them.
 */
export const GRANTABLE_PERMISSIONS = ["read", "write", "net", "env"] as const;
/** One permission an operator may allow. */
export type GrantablePermission = typeof GRANTABLE_PERMISSIONS[number];

/**
 * The most any agent on this node may ask for, set by the operator. A deploy or update
 * beyond one of them is refused with `400 INVALID_REQUEST` naming the field and the bound.
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
  /** Deno permissions a manifest may ask for; anything else must stay `false`. */
  permissions: readonly GrantablePermission[];
}

/** Default bounds: well under a small machine's size (see README, "Configuration"). */
export const DEFAULT_AGENT_BOUNDS: AgentBounds = {
  memory: 256 * 1024 * 1024,
  cpuMsPerCall: 5_000,
  mailbox: 10_000,
  storageQuota: 64 * 1024 * 1024,
  permissions: [],
};

/** Which node setting (flag name) holds each bound, for error messages. */
export const BOUND_SETTINGS = {
  memory: "max-agent-memory",
  cpuMsPerCall: "max-agent-cpu-ms",
  mailbox: "max-agent-mailbox",
  storageQuota: "max-agent-storage",
  permissions: "agent-permissions",
} as const;

/** One field of a manifest or limits beyond the node's bounds. */
export interface BoundViolation {
  /** Dotted path, e.g. `limits.memory` or `manifest.permissions.net`. */
  field: string;
  /** The node setting that bounds it, e.g. `max-agent-memory`. */
  setting: string;
  value: unknown;
  bound: unknown;
  message: string;
}

/** Whether a permission value asks for anything. */
export function asksPermission(v: boolean | string[]): boolean {
  return Array.isArray(v) ? v.length > 0 : v;
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
  for (const [name, v] of Object.entries(m.permissions) as [keyof DenoPermissions, never][]) {
    if (!asksPermission(v) || (bounds.permissions as readonly string[]).includes(name)) continue;
    const allowed = bounds.permissions.length ? bounds.permissions.join(", ") : "none";
    return {
      field: `manifest.permissions.${name}`,
      setting: BOUND_SETTINGS.permissions,
      value: v,
      bound: [...bounds.permissions],
      message: `manifest.permissions.${name} is not allowed: the node's agent-permissions ` +
        `allows ${allowed}`,
    };
  }
  return undefined;
}

/**
 * Refuses a manifest or limits beyond the node's bounds.
 *
 * @throws {ApiError} `INVALID_REQUEST` naming the field, its value and the bound.
 */
export function checkAgentBounds(
  what: { manifest?: Manifest; limits?: Limits },
  bounds: AgentBounds,
): void {
  const v = boundViolation(what, bounds);
  if (!v) return;
  throw new ApiError("INVALID_REQUEST", v.message, {
    field: v.field,
    setting: v.setting,
    value: v.value,
    bound: v.bound,
  });
}
