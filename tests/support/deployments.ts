/**
 * Deployments over a node's real HTTP API, for the e2e tests: deploy a built agent of
 * `agents/dist/`, start a deployment, read one, wait for one to end.
 */
import assert from "node:assert/strict";
import { pollUntil } from "../../runtime/async/mod.ts";
import { base64Of, callJson } from "./http.ts";

/** The built sample and tiny agents. */
export const DIST = new URL("../../agents/dist/", import.meta.url);

/** The bytes of `file` of `agents/dist/` (`tiny.wasm`, `tiny-counter.wasm`, ...). */
export function distBytes(file: string): Promise<Uint8Array<ArrayBuffer>> {
  return Deno.readFile(new URL(file, DIST));
}

/**
 * Deploys `file` of `agents/dist/` (or component bytes) with `config` (`name`, `version`,
 * limits, ...) through `POST /api/v1/agents`; asserts the `201`.
 */
export async function deployAgent(
  base: string,
  file: string | Uint8Array,
  config: Record<string, unknown>,
): Promise<void> {
  const bytes = typeof file === "string" ? await distBytes(file) : file;
  const form = new FormData();
  form.append("wasm", new Blob([bytes as BlobPart]), "agent.wasm");
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  assert.equal(res.status, 201, await res.text());
}

/**
 * Starts a deployment of `file` (of `agents/dist/`, or bytes) as `version` of `agent` with
 * `strategy` (`POST /api/v1/deployments`); asserts the `201`; the deployment's id.
 */
export async function startDeployment(
  base: string,
  agent: string,
  file: string | Uint8Array,
  version: string,
  strategy: unknown,
): Promise<string> {
  const bytes = typeof file === "string" ? await distBytes(file) : file;
  const d = await callJson(base, "POST", "/api/v1/deployments", {
    agent_id: agent,
    wasm_module: base64Of(bytes),
    version,
    strategy,
  });
  assert.equal(d.status, 201, JSON.stringify(d.body));
  return d.body.deployment_id;
}

/** The deployment `id` as the node shows it (`GET /api/v1/deployments/{id}`, `200` asserted). */
export async function deploymentOf(base: string, id: string) {
  const g = await callJson(base, "GET", `/api/v1/deployments/${id}`);
  assert.equal(g.status, 200, JSON.stringify(g.body));
  return g.body;
}

/** Waits for the deployment `id` to end (not `in_progress`); its view then. */
export function deploymentEnded(base: string, id: string, timeoutMs = 60_000) {
  return pollUntil(`deployment ${id} ended`, async () => {
    const d = await deploymentOf(base, id);
    return d.status === "in_progress" ? undefined : d;
  }, { timeoutMs, intervalMs: 50 });
}
