import type { AgentIdentifier } from "../acl/mod.ts";
import type { DfAgentDescription, DfTemplate } from "../directory/mod.ts";
import type { ManagementContext } from "./context.ts";

/**
 * The local name (`echo`) an agent name of this platform stands for: a bare name, or
 * `<local>@<platform>` (or `@<alias>`, when the context knows aliases, e.g. node names);
 * `undefined` for a name of another platform.
 */
export function localNameOf(ctx: ManagementContext, name: string): string | undefined {
  if (ctx.localName) return ctx.localName(name);
  const at = name.indexOf("@");
  if (at < 0) return name;
  return name.slice(at + 1).toLowerCase() === ctx.platform.toLowerCase()
    ? name.slice(0, at)
    : undefined;
}

/**
 * The identifier other platforms see for an agent of ours: its full name
 * `<local>@<platform>` and, when it carries none, the platform's MTP addresses. Identifiers
 * of other platforms come back unchanged.
 */
export function fullAgentId(ctx: ManagementContext, id: AgentIdentifier): AgentIdentifier {
  const local = localNameOf(ctx, id.name);
  if (local === undefined) return id;
  return {
    ...id,
    name: `${local}@${ctx.platform}`,
    addresses: id.addresses.length ? id.addresses : [...ctx.addresses],
  };
}

/** The directory's key for an identifier: the local name for ours, the full name otherwise. */
export function directoryAgentId(ctx: ManagementContext, id: AgentIdentifier): AgentIdentifier {
  const local = localNameOf(ctx, id.name);
  return local === undefined || local === id.name ? id : { ...id, name: local };
}

/** A DF description or template keyed as the directory keys it (see {@link directoryAgentId}). */
export function inDirectoryNames<T extends DfAgentDescription | DfTemplate>(
  ctx: ManagementContext,
  d: T,
): T {
  return d.name === undefined ? d : { ...d, name: directoryAgentId(ctx, d.name) };
}

/** A DF description as other platforms see it (see {@link fullAgentId}). */
export function withFullName(ctx: ManagementContext, d: DfAgentDescription): DfAgentDescription {
  return { ...d, name: fullAgentId(ctx, d.name) };
}
