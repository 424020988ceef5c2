// Versions and deployments live in the replicated directory: any node answers for them.
import assert from "node:assert/strict";
import { spawnCluster, waitFor } from "../support/cluster-procs.ts";
import { base64Of } from "../support/http.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);

Deno.test("versions and deployments started on one node are read from another", async () => {
  const nodes = await spawnCluster(["dep-a", "dep-b"], "depplat");
  try {
    const [a, b] = nodes.map((n) => n.proc.url);
    const echo = await Deno.readFile(new URL("tiny.wasm", DIST));
    const form = new FormData();
    form.append("wasm", new Blob([echo]), "a.wasm");
    form.append("config", JSON.stringify({ name: "far", version: "1.0.0" }));
    const created = await fetch(`${a}/api/v1/agents`, { method: "POST", body: form });
    assert.equal(created.status, 201, await created.clone().text());
    await created.body?.cancel();
    const other = new Uint8Array([...echo, 0, 4, 1, 0x76, 0x32, 0x32]);
    const res = await fetch(`${a}/api/v1/deployments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        agent_id: "far",
        wasm_module: base64Of(other),
        version: "2.0.0",
        strategy: "immediate",
      }),
    });
    assert.equal(res.status, 201, await res.clone().text());
    const d = await res.json();

    // Node b hosts nothing of it, and answers from its replica of the directory.
    const seen = await waitFor("the deployment on node b", async () => {
      const r = await fetch(`${b}/api/v1/deployments/${d.deployment_id}`);
      const body = await r.json();
      return r.status === 200 && body.status === "completed" ? body : undefined;
    });
    assert.equal(seen.node, "dep-a");
    assert.deepEqual(seen.to_version, { seq: 2, version: "2.0.0" });
    const versions = await (await fetch(`${b}/api/v1/agents/far/versions`)).json();
    assert.deepEqual(versions.versions.map((v: { version: string }) => v.version), [
      "1.0.0",
      "2.0.0",
    ]);
    // Rolling back is the job of the node that runs it.
    const rb = await fetch(`${b}/api/v1/deployments/${d.deployment_id}/rollback`, {
      method: "POST",
    });
    assert.equal(rb.status, 409);
    const err = await rb.json();
    assert.match(err.error.message, /runs on node 'dep-a': roll it back there/);

    // While a canary runs its second instance, the agent does not move.
    const canary = await fetch(`${a}/api/v1/deployments`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        agent_id: "far",
        wasm_module: base64Of(echo),
        strategy: {
          type: "canary",
          stages: [{ percentage: 10, duration: "1h" }, { percentage: 100, duration: "0" }],
        },
      }),
    });
    assert.equal(canary.status, 201, await canary.clone().text());
    const c = await canary.json();
    const move = await fetch(`${a}/api/v1/agents/far/migrate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target_node: "dep-b" }),
    });
    assert.equal(move.status, 409, await move.clone().text());
    assert.match(
      (await move.json()).error.message,
      /runs a second version .* deployment under way/,
    );
    // Once it is rolled back, the agent moves.
    const back = await fetch(`${a}/api/v1/deployments/${c.deployment_id}/rollback`, {
      method: "POST",
    });
    assert.equal(back.status, 200, await back.clone().text());
    assert.equal((await back.json()).status, "rolled_back");
    const moved = await fetch(`${a}/api/v1/agents/far/migrate`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ target_node: "dep-b" }),
    });
    assert.equal(moved.status, 200, await moved.clone().text());
    await moved.body?.cancel();
  } finally {
    await Promise.all(nodes.map((n) => n.proc.stop()));
  }
});
