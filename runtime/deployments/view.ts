/**
 * What the API shows of a deployment: the record's view and each version's metrics.
 * @module
 */
import type { DeploymentRecord } from "../directory/mod.ts";

/** What the API shows of one version's outcomes during a deployment. */
export interface VersionMetrics {
  handled: number;
  errors: number;
  success_rate: number;
  p99_ms: number;
}

/** A deployment as the API shows it. */
export interface DeploymentView {
  deployment_id: string;
  agent_id: string;
  node: string;
  status: DeploymentRecord["status"];
  strategy: Record<string, unknown>;
  stage: number;
  /** Share of new conversations per version label, percent. */
  traffic: Record<string, number>;
  from_version?: { seq: number; version: string };
  to_version?: { seq: number; version: string };
  reason?: string;
  deployed_by?: string;
  started_at: string;
  updated_at: string;
  finished_at?: string;
  /** Per version label, while the node that runs it has them. */
  metrics?: Record<string, VersionMetrics>;
}

/** The 99th percentile of `xs` (0 for none). */
function p99(xs: readonly number[]): number {
  if (xs.length === 0) return 0;
  const sorted = [...xs].sort((a, b) => a - b);
  return Math.round(
    sorted[Math.min(sorted.length - 1, Math.ceil(sorted.length * 0.99) - 1)] * 1000,
  ) /
    1000;
}

export function metricsOf(
  s: { handled: number; errors: number; latencies: number[] },
): VersionMetrics {
  return {
    handled: s.handled,
    errors: s.errors,
    success_rate: s.handled ? (s.handled - s.errors) / s.handled : 1,
    p99_ms: p99(s.latencies),
  };
}

/** The API view of a deployment record. */
export function deploymentView(d: DeploymentRecord): DeploymentView {
  const traffic: Record<string, number> = {};
  if (d.from) traffic[d.from.version] = 100 - d.weight;
  if (d.to) traffic[d.to.version] = (traffic[d.to.version] ?? 0) + d.weight;
  return {
    deployment_id: d.id,
    agent_id: d.agent,
    node: d.node,
    status: d.status,
    strategy: d.strategy,
    stage: d.stage,
    traffic,
    ...(d.from ? { from_version: d.from } : {}),
    ...(d.to ? { to_version: d.to } : {}),
    ...(d.reason === undefined ? {} : { reason: d.reason }),
    ...(d.deployed_by === undefined ? {} : { deployed_by: d.deployed_by }),
    started_at: d.started_at,
    updated_at: d.updated_at,
    ...(d.finished_at === undefined ? {} : { finished_at: d.finished_at }),
  };
}
