import assert from "node:assert/strict";
import { parseCli, UsageError } from "../../../cli/mod.ts";

const noEnv = () => undefined;

Deno.test("deploy --strategy canary --stages parses the stages; rollback takes an id", () => {
  const c = parseCli([
    "deploy",
    "a.wasm",
    "--name",
    "svc",
    "--strategy",
    "canary",
    "--stages",
    "10:30s,50:30s,100:0",
    "--error-threshold",
    "0.05",
  ], noEnv).command;
  assert.equal(c.cmd, "deploy");
  if (c.cmd !== "deploy") return;
  assert.equal(c.strategy, "canary");
  assert.deepEqual(c.stages, [
    { percentage: 10, duration: "30s" },
    { percentage: 50, duration: "30s" },
    { percentage: 100, duration: "0" },
  ]);
  assert.equal(c.errorThreshold, 0.05);
  assert.deepEqual(parseCli(["rollback", "deploy_abc"], noEnv).command, {
    cmd: "rollback",
    id: "deploy_abc",
  });
});

Deno.test("deploy: bad --stages and stages without a strategy are usage errors", () => {
  assert.throws(
    () =>
      parseCli(["deploy", "a.wasm", "-n", "x", "--strategy", "canary", "--stages", "10"], noEnv),
    (e) =>
      e instanceof UsageError && /--stages takes <percentage>:<duration>.*not '10'/.test(e.message),
  );
  assert.throws(
    () => parseCli(["deploy", "a.wasm", "-n", "x", "--stages", "100:0"], noEnv),
    (e) => e instanceof UsageError && /go with --strategy/.test(e.message),
  );
  assert.throws(
    () =>
      parseCli(
        ["deploy", "a.wasm", "-n", "x", "--strategy", "canary", "--error-threshold", "2"],
        noEnv,
      ),
    /--error-threshold must be a number from 0 to 1/,
  );
  assert.throws(() => parseCli(["rollback"], noEnv), UsageError);
});
