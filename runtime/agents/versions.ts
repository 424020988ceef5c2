/**
 * What a version of an agent is made of, from the agent's record: the manifest summary and
 * the whole config the directory keeps with each version (`agent.record-version`).
 * @module
 */
import type { AgentVersion, ManifestSummary } from "../directory/mod.ts";
import type { UpdateConfig } from "./deploy-config.ts";
import type { AgentRecord } from "./record.ts";

/** The directory's summary of an agent's manifest: version, capabilities, numeric limits. */
export function manifestSummary(r: AgentRecord): ManifestSummary {
  return {
    version: r.version,
    capabilities: [
      "messaging",
      "storage",
      "logging",
      ...(r.manifest.may_migrate ? ["migration"] : []),
    ],
    limits: { memory_bytes: r.limits.memory, cpu_ms_per_call: r.limits.cpu_ms_per_call },
    ...(r.manifest.stateless ? { stateless: true } : {}),
  };
}

/** The config a version ran with, as plain JSON: what bringing it back needs. */
export function versionConfig(r: AgentRecord): Record<string, unknown> {
  return JSON.parse(JSON.stringify({
    manifest: r.manifest,
    limits: r.limits,
    restart: r.restart,
    ...(r.hibernate_after_seconds === undefined
      ? {}
      : { hibernate_after_seconds: r.hibernate_after_seconds }),
    ...(r.publisher_key_id === undefined ? {} : { publisher_key_id: r.publisher_key_id }),
  }));
}

/**
 * The label of the next version when the client named none: `v<n>` after the last recorded
 * one (the directory gives the same number), or `fallback` when nothing is recorded.
 */
export function automaticVersion(recorded: readonly AgentVersion[], fallback: string): string {
  const last = recorded.at(-1);
  return last ? `v${last.seq + 1}` : fallback;
}

/**
 * The record of an agent's next version: `hash` (the new component, or the same), the
 * config changes over the current record, the signer (`publisher`, or none), and the label
 * (`config.version`, or the automatic next one after `recorded`).
 */
export function nextVersionRecord(
  current: AgentRecord,
  change: { hash: string; config?: UpdateConfig; publisher?: string },
  recorded: readonly AgentVersion[],
): AgentRecord {
  const c = change.config ?? {};
  const { publisher_key_id: _was, ...kept } = current;
  return {
    ...kept,
    ...(change.publisher ? { publisher_key_id: change.publisher } : {}),
    hash: change.hash,
    version: c.version ?? automaticVersion(recorded, current.version),
    manifest: c.manifest ?? current.manifest,
    limits: c.limits ?? current.limits,
    restart: c.restart ?? current.restart,
    hibernate_after_seconds: c.hibernate_after_seconds ?? current.hibernate_after_seconds,
  };
}
