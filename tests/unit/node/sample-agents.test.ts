// The built-in sample echo: the committed component is exactly what the build makes of its
// WAT source, and the node deploys it only when it founds a cluster on an empty data dir.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../../agents/build/mod.ts";
import { ConfigSchema } from "../../../runtime/config/mod.ts";
import {
  isFreshDataDir,
  KV_FILE,
  SAMPLE_ECHO_WASM,
  wantsSampleAgents,
} from "../../../runtime/node/mod.ts";

Deno.test("agents/tiny/echo.wasm is the build of agents/tiny/echo.wat (rebuild it as agents/README.md says)", async () => {
  const committed = await Deno.readFile(SAMPLE_ECHO_WASM);
  const built = await watAgentBytes("tiny");
  assert.ok(committed.length > 0 && committed.length < 16_384, `${committed.length} bytes`);
  assert.deepEqual(committed, built);
});

Deno.test("wantsSampleAgents: on, a fresh data dir and no --join; anything else: no", () => {
  const on = ConfigSchema.parse({});
  assert.equal(on.sampleAgents, "on", "on by default");
  assert.equal(wantsSampleAgents(on, true), true);
  assert.equal(wantsSampleAgents(on, false), false, "a restarted node");
  assert.equal(wantsSampleAgents({ ...on, join: ["/ip4/10.0.0.1/tcp/9001/p2p/x"] }, true), false);
  assert.equal(wantsSampleAgents({ ...on, sampleAgents: "off" }, true), false);
});

Deno.test("isFreshDataDir: true until the node's KV file exists", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fe-fresh-" });
  try {
    assert.equal(await isFreshDataDir(`${dir}/missing`), true);
    assert.equal(await isFreshDataDir(dir), true);
    await Deno.writeFile(`${dir}/${KV_FILE}`, new Uint8Array());
    assert.equal(await isFreshDataDir(dir), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
