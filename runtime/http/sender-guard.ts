import type { Context } from "hono";
import type { AclMessage } from "../acl/mod.ts";
import { ApiError } from "../errors/mod.ts";
import { checkSender, PLATFORM_AGENT_NAMES } from "../security/mod.ts";
import type { MessageRouter } from "../routing/mod.ts";
import type { AppEnv } from "./env.ts";
import { principalOf } from "./access.ts";
import type { Principal } from "../security/mod.ts";
import type { AgentManager } from "../agents/mod.ts";

/**
 * Whether a name is an agent hosted on this platform (on this node, or in the cluster's
 * directory): such names are never a sender an outside caller may use.
 */
export function hostedCheck(
  router: MessageRouter,
  agents: AgentManager | undefined,
): (name: string) => boolean {
  return (name) => {
    const local = router.localName(name);
    if (local === undefined || agents === undefined) return false;
    return agents.has(local) || agents.deps.directory?.nodeOf(local) !== undefined;
  };
}

/**
 * Throws `403 FORBIDDEN` naming the sender unless `p` may use the `sender` of `message`: the
 * one rule of every entry point that takes a message from outside (HTTP, MCP tools).
 */
export function requireSender(
  p: Principal,
  message: AclMessage,
  isHosted: (name: string) => boolean,
): void {
  const sender = message.sender?.name;
  if (sender === undefined) return;
  const d = checkSender(p, sender, isHosted);
  if (d.ok) return;
  throw new ApiError("FORBIDDEN", `Sender '${sender}' is refused: ${d.reason}`, {
    sender,
    reason: d.reason,
    ...(d.allowed.length > 0 ? { allowed: d.allowed } : {}),
  });
}

/** Refuses a message whose `sender` the caller may not use (`403 FORBIDDEN`). */
export type SenderCheck = (c: Context<AppEnv>, message: AclMessage) => void;

/**
 * The sender check of the message routes: `ams`, `df` and agents hosted on this platform
 * (`isHosted`) are never a sender an HTTP caller may name; otherwise the caller's token decides
 * (`runtime/security/senders.ts`). A refusal names the sender.
 */
export function senderGuard(isHosted: (name: string) => boolean): SenderCheck {
  return (c, message) => {
    // No principal (a route outside the auth middleware): the narrowest caller, not an open one.
    const p = principalOf(c) ??
      { subject: "anonymous", via: "static" as const, roles: [], scopes: [] };
    requireSender(p, message, isHosted);
  };
}

/**
 * The sender check of `POST /acc`: another platform may not speak for this platform's `ams`,
 * `df` or hosted agents (a sender of another platform, its own AMS included, is fine).
 */
export function foreignSenderGuard(
  router: MessageRouter,
  isHosted: (name: string) => boolean,
): (message: AclMessage) => void {
  return (message) => {
    const sender = message.sender?.name;
    if (sender === undefined) return;
    const local = router.localName(sender);
    if (local === undefined) return;
    if (PLATFORM_AGENT_NAMES.includes(local) || isHosted(sender)) {
      throw new ApiError(
        "FORBIDDEN",
        `Sender '${sender}' is refused: an agent of this platform cannot arrive from another`,
        { sender },
      );
    }
  };
}
