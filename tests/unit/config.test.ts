import assert from "node:assert/strict";
import { ConfigError, DEFAULTS, loadConfig, workerSharing } from "../../runtime/config/mod.ts";
import {
  AGENTS_PER_WORKER,
  ComponentStore,
  MAX_AGENTS_PER_WORKER,
  Sandbox,
} from "../../runtime/sandbox/mod.ts";

const noEnv = () => undefined;

Deno.test("defaults apply with no flags", () => {
  const r = loadConfig([], noEnv);
  assert.equal(r.help, false);
  if (r.help) return;
  assert.equal(r.config.port, DEFAULTS.port);
  assert.equal(r.config.dataDir, DEFAULTS.dataDir);
  assert.equal(r.config.p2pPort, DEFAULTS.p2pPort);
  assert.deepEqual(r.config.join, []);
});

Deno.test("flags win over environment, environment over the config file", () => {
  const env: Record<string, string> = {
    FIPA_EDGE_PORT: "9000",
    FIPA_EDGE_NAME: "from-env",
    FIPA_EDGE_JOIN: "/a, /b",
  };
  const r = loadConfig(
    ["--port", "7000", "--config", "c.json", "--join", "/x", "--join", "/y"],
    (k) => env[k],
    () => JSON.stringify({ port: 1, name: "from-file", logLevel: "debug" }),
  );
  assert.ok(!r.help);
  if (r.help) return;
  assert.equal(r.config.port, 7000);
  assert.equal(r.config.name, "from-env");
  assert.equal(r.config.logLevel, "debug");
  assert.deepEqual(r.config.join, ["/x", "/y"]);
  const r2 = loadConfig([], (k) => env[k]);
  assert.ok(!r2.help && r2.config.join.length === 2);
});

Deno.test("bad values are refused naming their origin and value", () => {
  assert.throws(() => loadConfig(["--port", "abc"], noEnv), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /flag --port: "abc"/);
    return true;
  });
  assert.throws(
    () => loadConfig([], (k) => (k === "FIPA_EDGE_LOG_LEVEL" ? "loud" : undefined)),
    /FIPA_EDGE_LOG_LEVEL: "loud"/,
  );
  assert.throws(() => loadConfig(["--name", "a@b"], noEnv), /--name/);
  assert.throws(() => loadConfig(["--bogus"], noEnv), ConfigError);
  assert.throws(
    () => loadConfig(["--config", "x.json"], noEnv, () => "{nope"),
    /config file 'x.json'/,
  );
  assert.throws(() => loadConfig(["--config", "x.json"], noEnv, () => '{"colour": 1}'), /colour/);
});

Deno.test("--help returns the help text", () => {
  const r = loadConfig(["--help"], noEnv);
  assert.ok(r.help && r.text.includes("--data-dir"));
});

Deno.test("every setting of the schema has a flag and a variable (except rate limit tables)", async () => {
  const { SETTINGS } = await import("../../runtime/config/load.ts");
  const { ConfigSchema } = await import("../../runtime/config/mod.ts");
  const keys = Object.keys(ConfigSchema.parse({}));
  const withFlag = new Set(SETTINGS.map((s) => s.key as string));
  const missing = keys.filter((k) => !withFlag.has(k) && k !== "rateLimits");
  // Optional keys without defaults don't appear in parse({}): check the shape too.
  const shape = Object.keys((ConfigSchema as unknown as { shape: Record<string, unknown> }).shape);
  assert.ok(shape.includes("publicUrl") && shape.includes("clusterToken"));
  const missingOptional = shape.filter((k) => !withFlag.has(k) && k !== "rateLimits");
  assert.deepEqual([...missing, ...missingOptional], []);
});

Deno.test("DF federation and retention settings: flag, variable and config key", () => {
  const r = loadConfig(
    [
      "--df-federate-with",
      "df@jade=http://jade:7778/acc",
      "--history-max-bytes",
      "1MiB",
      "--config",
      "c.json",
    ],
    (k) =>
      ({
        FIPA_EDGE_HISTORY_RETENTION_HOURS: "2",
        FIPA_EDGE_DF_FEDERATE_WITH: "df@x=http://x/acc",
      })[k],
    () => JSON.stringify({ maxTasks: 5, dfFederationTimeoutMs: 250, historyMaxMessages: 7 }),
  );
  assert.ok(!r.help);
  if (r.help) return;
  assert.deepEqual(r.config.dfFederateWith, ["df@jade=http://jade:7778/acc"], "the flag wins");
  assert.equal(r.config.historyMaxBytes, 1 << 20);
  assert.equal(r.config.historyRetentionHours, 2);
  assert.equal(r.config.maxTasks, 5);
  assert.equal(r.config.dfFederationTimeoutMs, 250);
  assert.equal(r.config.historyMaxMessages, 7);
  const env = loadConfig(
    [],
    (k) => k === "FIPA_EDGE_DF_FEDERATE_WITH" ? "df@a=http://a/acc, df@b=https://b/acc" : undefined,
  );
  assert.ok(!env.help && env.config.dfFederateWith.length === 2);
  assert.throws(
    () => loadConfig(["--df-federate-with", "http://jade:7778/acc"], noEnv),
    /flag --df-federate-with: \["http:\/\/jade:7778\/acc"\] is invalid: expected <df>@<platform>=/,
  );
  assert.throws(() => loadConfig(["--history-retention-hours", "-1"], noEnv), /history-retention/);
});

Deno.test("--voters: default 5, from a flag, a variable or the file; an even count is refused", () => {
  const d = loadConfig([], noEnv);
  assert.ok(!d.help && d.config.voters === 5 && d.config.deadVoterMs === 10_000);
  assert.ok(!d.help && d.config.leaveOnShutdown === "off");
  const f = loadConfig(["--voters", "3", "--dead-voter-ms", "2500"], noEnv);
  assert.ok(!f.help && f.config.voters === 3 && f.config.deadVoterMs === 2500);
  const e = loadConfig([], (k) => ({ FIPA_EDGE_VOTERS: "7" } as Record<string, string>)[k]);
  assert.ok(!e.help && e.config.voters === 7);
  const c = loadConfig(["--config", "c.json"], noEnv, () => '{"voters": 1}');
  assert.ok(!c.help && c.config.voters === 1);
  assert.throws(
    () => loadConfig(["--voters", "4"], noEnv),
    (err: unknown) =>
      err instanceof ConfigError && /flag --voters: "4" is invalid: must be odd/.test(err.message),
  );
});

Deno.test("--mtp-delivery: default at-most-once, from a flag, a variable or the file; others refused", () => {
  const d = loadConfig([], noEnv);
  assert.ok(!d.help && d.config.mtpDelivery === "at-most-once");
  const f = loadConfig(["--mtp-delivery", "at-least-once"], noEnv);
  assert.ok(!f.help && f.config.mtpDelivery === "at-least-once");
  const e = loadConfig([], (k) => k === "FIPA_EDGE_MTP_DELIVERY" ? "at-least-once" : undefined);
  assert.ok(!e.help && e.config.mtpDelivery === "at-least-once");
  const c = loadConfig(["--config", "c.json"], noEnv, () => '{"mtpDelivery": "at-least-once"}');
  assert.ok(!c.help && c.config.mtpDelivery === "at-least-once");
  assert.throws(
    () => loadConfig(["--mtp-delivery", "exactly-once"], noEnv),
    (err: unknown) =>
      err instanceof ConfigError &&
      /flag --mtp-delivery: "exactly-once" is invalid/.test(err.message),
  );
});

Deno.test("--agents-per-worker and --spread-workers: defaults, flag, variable, file; bounds refused", () => {
  const d = loadConfig([], noEnv);
  assert.ok(!d.help);
  if (d.help) return;
  assert.equal(d.config.agentsPerWorker, AGENTS_PER_WORKER);
  assert.equal(d.config.spreadWorkers, 1);
  const f = loadConfig(["--agents-per-worker", "64", "--spread-workers", "4"], noEnv);
  assert.ok(!f.help && f.config.agentsPerWorker === 64 && f.config.spreadWorkers === 4);
  const env: Record<string, string> = {
    FIPA_EDGE_AGENTS_PER_WORKER: "8",
    FIPA_EDGE_SPREAD_WORKERS: "2",
  };
  const e = loadConfig([], (k) => env[k]);
  assert.ok(!e.help && e.config.agentsPerWorker === 8 && e.config.spreadWorkers === 2);
  const c = loadConfig(
    ["--config", "c.json"],
    noEnv,
    () => '{"agentsPerWorker": 16, "spreadWorkers": 3}',
  );
  assert.ok(!c.help && c.config.agentsPerWorker === 16 && c.config.spreadWorkers === 3);
  for (const bad of ["0", "1.5", "many", String(MAX_AGENTS_PER_WORKER + 1)]) {
    assert.throws(
      () => loadConfig(["--agents-per-worker", bad], noEnv),
      (err: unknown) =>
        err instanceof ConfigError &&
        err.message.includes(`flag --agents-per-worker: "${bad}" is invalid`),
    );
  }
  assert.throws(
    () => loadConfig([], (k) => k === "FIPA_EDGE_SPREAD_WORKERS" ? "0" : undefined),
    /FIPA_EDGE_SPREAD_WORKERS: "0" is invalid/,
  );
  assert.throws(
    () => loadConfig(["--config", "c.json"], noEnv, () => `{"spreadWorkers": ${1e6}}`),
    /key 'spreadWorkers': 1000000 is invalid/,
  );
});

Deno.test("the Worker sharing settings reach the sandbox; out of bounds the sandbox refuses them", async () => {
  const r = loadConfig(["--agents-per-worker", "3", "--spread-workers", "2"], noEnv);
  assert.ok(!r.help);
  if (r.help) return;
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-config-" });
  try {
    const store = new ComponentStore({ dir });
    const sandbox = new Sandbox({ store, nodeId: "n1", ...workerSharing(r.config) });
    assert.equal(sandbox.maxAgentsPerWorker, 3);
    assert.equal(sandbox.spreadWorkers, 2);
    assert.equal(sandbox.sharedWorkerCpuMs, r.config.sharedWorkerCpuMs);
    await sandbox.close();
    assert.throws(
      () => new Sandbox({ store, nodeId: "n1", maxAgentsPerWorker: 0 }),
      (e: unknown) => e instanceof RangeError && /maxAgentsPerWorker .* got 0/.test(e.message),
    );
    assert.throws(
      () => new Sandbox({ store, nodeId: "n1", spreadWorkers: 2.5 }),
      (e: unknown) => e instanceof RangeError && /spreadWorkers .* got 2\.5/.test(e.message),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
