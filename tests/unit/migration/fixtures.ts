// A sample snapshot for the migration tests.
import { aid } from "../../../runtime/acl/mod.ts";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import type { AgentSnapshot } from "../../../runtime/migration/mod.ts";

const HASH = "ab".repeat(32);
const NONCE = "cd".repeat(32);

/** A snapshot with the given parts. */
export function sampleSnapshot(over: Partial<AgentSnapshot> = {}): AgentSnapshot {
  const cfg = DeployConfigSchema.parse({ name: "counter", hibernate_after_seconds: 60 });
  return {
    meta: {
      source: "na",
      taken_at: "2026-01-01T00:00:00.000Z",
      nonce: NONCE,
      reason: "migration",
      target: "nb",
    },
    record: {
      agent_id: "agent_000000000000000000000001",
      name: cfg.name,
      version: cfg.version,
      hash: HASH,
      manifest: cfg.manifest,
      limits: cfg.limits,
      restart: cfg.restart,
      hibernate_after_seconds: cfg.hibernate_after_seconds,
      state: "running",
      deployed_at: "2026-01-01T00:00:00.000Z",
      updated_at: "2026-01-01T00:00:00.000Z",
      deployment_id: "deploy_1",
    },
    memory: {
      hash: HASH,
      instances: [
        { memories: [], globals: [] },
        {
          memories: [{ index: 0, bytes: new Uint8Array(65536).fill(7, 100, 200) }],
          globals: [{ index: 0, value: 1000 }, { index: 3, value: -5n }, { index: 4, value: NaN }],
        },
      ],
    },
    storage: [["a", new Uint8Array([1, 2, 3])], ["b/c", new Uint8Array(0)]],
    queued: [{
      delivery: {
        message_id: "msg_1",
        accepted_at: "2026-01-01T00:00:01.000Z",
        origin: "http",
        message: {
          performative: "request",
          sender: aid("client@na"),
          receivers: [aid("counter@mp")],
          content: { n: 1 },
          reply_with: "r1",
        },
      },
      to: aid("counter@mp"),
    }],
    conversations: { v: 1, active: {} },
    history: [{ from: "nz", to: "na", at: "2025-12-31T00:00:00.000Z", nonce: "ef".repeat(32) }],
    ...over,
  };
}
