// What a deploy asks of the directory: one write, the claim in the state the deploy brings the
// agent to, with its first version; nothing after activation. Fake
// sandbox, in-memory Deno KV, real router.
import assert from "node:assert/strict";
import {
  type AgentDirectory,
  type AgentRecord,
  DeployConfigSchema,
} from "../../../runtime/agents/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { harness } from "./harness.ts";

/** A directory that records every call it gets. */
function recordingDirectory() {
  const calls: string[] = [];
  const registered = new Map<string, AgentRecord>();
  const directory: AgentDirectory = {
    register: (r, opts) => {
      calls.push(`register ${r.name} ${r.state} ${r.version} by ${opts.deployedBy}`);
      registered.set(r.name, r);
      return Promise.resolve();
    },
    recordVersion: (r) => {
      calls.push(`recordVersion ${r.name}`);
      return Promise.resolve();
    },
    setState: (name, state) => {
      calls.push(`setState ${name} ${state}`);
      return Promise.resolve();
    },
    deregister: (name) => {
      calls.push(`deregister ${name}`);
      registered.delete(name);
      return Promise.resolve();
    },
    findAgentsByService: () => [],
    listNodes: () => [],
    nodeOf: () => undefined,
  };
  return { directory, calls, registered };
}

Deno.test("a deploy is one directory write: the claim with the running state and its version", async () => {
  const d = recordingDirectory();
  const h = await harness({ directory: d.directory });
  try {
    const view = await h.agents.deploy(
      new TextEncoder().encode("a"),
      DeployConfigSchema.parse({ name: "a", version: "1.2.0" }),
      { deployedBy: "alice" },
    );
    assert.equal(view.status, "running");
    assert.deepEqual(d.calls, ["register a running 1.2.0 by alice"]);
    assert.equal((await h.kv.get<AgentRecord>(["agents", "a"])).value?.state, "running");
  } finally {
    await h.close();
  }
});

Deno.test("a deploy whose activation fails after the one-write claim deregisters it", async () => {
  const d = recordingDirectory();
  const h = await harness({ directory: d.directory });
  try {
    h.sandbox.refuse = () => new ApiError("DEPLOYMENT_FAILED", "no instance");
    await assert.rejects(h.deploy("b"), /no instance/);
    assert.deepEqual(d.calls, ["register b running 1.0.0 by undefined", "deregister b"]);
    assert.equal(d.registered.size, 0);
    assert.equal((await h.kv.get(["agents", "b"])).value, null);
    assert.equal(h.router.hasLocal("b"), false);
  } finally {
    await h.close();
  }
});
