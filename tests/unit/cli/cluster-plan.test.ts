import assert from "node:assert/strict";
import { parseClusterArgs, planCluster } from "../../../scripts/cluster-plan.ts";

Deno.test("deno task cluster: three nodes on 8080.. and 9001.. under .data/cluster by default", () => {
  const o = parseClusterArgs([]);
  assert.equal(o.nodes, 3);
  const plan = planCluster(o);
  assert.deepEqual(plan.map((p) => [p.name, p.url, p.p2pPort, p.dataDir, p.logFile]), [
    ["node1", "http://127.0.0.1:8080", 9001, ".data/cluster/node1", ".data/cluster/node1.log"],
    ["node2", "http://127.0.0.1:8081", 9002, ".data/cluster/node2", ".data/cluster/node2.log"],
    ["node3", "http://127.0.0.1:8082", 9003, ".data/cluster/node3", ".data/cluster/node3.log"],
  ]);
  assert.deepEqual(plan[1].args, [
    "--name",
    "node2",
    "--platform",
    "dev",
    "--host",
    "127.0.0.1",
    "--port",
    "8081",
    "--p2p-port",
    "9002",
    "--data-dir",
    ".data/cluster/node2",
  ]);
});

Deno.test("deno task cluster: flags, tokens and pass-through node flags", () => {
  const o = parseClusterArgs([
    "--nodes",
    "2",
    "--base-port",
    "7000",
    "--p2p-base-port",
    "7100",
    "--platform",
    "lab",
    "--data-dir",
    "/tmp/x/",
    "--admin-token",
    "a-token-of-16-chars",
    "--clean",
    "--",
    "--log-level",
    "debug",
  ]);
  const plan = planCluster(o);
  assert.equal(o.clean, true);
  assert.deepEqual(plan.map((p) => p.url), ["http://127.0.0.1:7000", "http://127.0.0.1:7001"]);
  assert.deepEqual(plan[0].args.slice(-4), [
    "--admin-token",
    "a-token-of-16-chars",
    "--log-level",
    "debug",
  ]);
  assert.equal(plan[0].dataDir, "/tmp/x/node1");
  assert.equal(
    planCluster(parseClusterArgs(["--host", "0.0.0.0"]))[0].url,
    "http://127.0.0.1:8080",
  );
});

Deno.test("deno task cluster: bad values are named", () => {
  assert.throws(() => parseClusterArgs(["--nodes", "0"]), /--nodes .* not '0'/);
  assert.throws(() => parseClusterArgs(["--base-port", "http"]), /--base-port .* not 'http'/);
  assert.throws(() => parseClusterArgs(["--platform", "a b"]), /--platform 'a b'/);
  assert.throws(
    () => parseClusterArgs(["--base-port", "9000", "--p2p-base-port", "9001"]),
    /overlap/,
  );
  assert.throws(() => parseClusterArgs(["--base-port", "65535"]), /above 65535/);
  assert.throws(() => parseClusterArgs(["--what"]), /Unknown option/);
});
