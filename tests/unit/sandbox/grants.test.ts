// Grants as pure decisions (runtime/sandbox/grants.ts), and the 0.2.0 samples' logic run
// against fake world imports (no wasm): the fetcher and notes agents answer errors of the
// world as `failure`, and the SDK passes the manifest's env, requests and files through.
import assert from "node:assert/strict";
import {
  boundViolation,
  decidePath,
  decideUrl,
  DEFAULT_AGENT_BOUNDS,
  grantedDirs,
  permissionKey,
  workerPermissionsOf,
} from "../../../runtime/sandbox/mod.ts";
import { type AclMessage, bindAgent, text, type WorldImports } from "../../../agents/sdk/mod.ts";
import { DeployConfigSchema } from "../../../runtime/agents/mod.ts";
import { codeBlocks, readReadme, section } from "../../support/readme.ts";
import fetcher from "../../../agents/samples/fetcher/agent.ts";
import notes from "../../../agents/samples/notes/agent.ts";

Deno.test("decideUrl: only granted host or host:port, http(s) only, default ports", () => {
  assert.deepEqual(decideUrl("http://127.0.0.1:8080/x", ["127.0.0.1:8080"]), {
    ok: true,
    target: "127.0.0.1:8080",
  });
  assert.equal(decideUrl("https://api.example.com/x", ["api.example.com"]).ok, true);
  assert.equal(decideUrl("https://api.example.com/x", ["api.example.com:443"]).ok, true);
  assert.equal(decideUrl("http://api.example.com/x", ["api.example.com:443"]).ok, false);
  assert.equal(decideUrl("http://API.example.com:80/", ["api.example.com:80"]).ok, true);
  const r = decideUrl("http://127.0.0.1:9/x", []);
  assert.equal(r.ok, false);
  assert.match(
    !r.ok ? r.error : "",
    /127\.0\.0\.1:9 is not granted \(the manifest's net grants nothing/,
  );
  assert.match(
    (decideUrl("ftp://x/", ["x"]) as { error: string }).error,
    /scheme ftp: is not supported/,
  );
  assert.match((decideUrl("not a url", ["x"]) as { error: string }).error, /invalid URL/);
});

Deno.test("decidePath: inside a grant only, writes need read-write, no '..', absolute only in absolute grants", () => {
  const dirs = grantedDirs([
    { path: "out", mode: "read-write" },
    { path: "in", mode: "read" },
    { path: "/srv/shared", mode: "read" },
  ], "/data/agent-files/a@n");
  const ok = (p: string, a: "read" | "write") => decidePath(p, a, dirs, "/data/agent-files/a@n");
  assert.deepEqual(ok("out/x.txt", "write"), {
    ok: true,
    path: "/data/agent-files/a@n/out/x.txt",
    dir: dirs[0],
  });
  assert.equal(ok("./out/./x", "write").ok, true);
  assert.equal(ok("in/x", "read").ok, true);
  assert.match((ok("in/x", "write") as { error: string }).error, /grant in is read-only/);
  assert.equal(ok("/srv/shared/r.txt", "read").ok, true);
  assert.equal(ok("/srv/sharedx/r.txt", "read").ok, false);
  assert.equal(ok("outx/y", "read").ok, false, "a sibling with the same prefix is outside");
  assert.match((ok("out/../in/x", "read") as { error: string }).error, /"\.\." or empty segment/);
  assert.match((ok("/etc/passwd", "read") as { error: string }).error, /not granted/);
  assert.match(
    (ok("x", "read") as { error: string }).error,
    /grants out \(read-write\), in \(read\)/,
  );
});

Deno.test("Worker permissions come from the grants only; the key separates different grants", () => {
  const dirs = grantedDirs([{ path: "out", mode: "read-write" }], "/d/a");
  const p = workerPermissionsOf(["127.0.0.1:1"], dirs);
  assert.deepEqual(p, {
    net: ["127.0.0.1:1"],
    read: ["/d/a/out"],
    write: ["/d/a/out"],
    env: false,
    sys: false,
    run: false,
    ffi: false,
    import: false,
  });
  const none = workerPermissionsOf([], []);
  assert.deepEqual([none.net, none.read, none.write], [false, false, false]);
  assert.notEqual(permissionKey(p), permissionKey(none));
  assert.notEqual(
    permissionKey(workerPermissionsOf(["127.0.0.1:2"], dirs)),
    permissionKey(p),
  );
});

function world(over: Partial<WorldImports>) {
  const sent: AclMessage[] = [];
  const imports: WorldImports = {
    messaging: {
      sendMessage: (m) => {
        sent.push(m);
        return `id-${sent.length}`;
      },
      receiveMessage: () => undefined,
      findAgentsByService: () => [],
    },
    migration: { getCurrentNode: () => "n1", listNodes: () => [], migrateTo: () => {} },
    storage: { store: () => {}, load: () => new Uint8Array(), delete: () => {} },
    logging: { log: () => {} },
    ...over,
  };
  return { sent, imports };
}

function msg(performative: AclMessage["performative"], content = text("")): AclMessage {
  return {
    messageId: "m1",
    performative,
    sender: { name: "client@n1", addresses: [], resolvers: [] },
    receivers: [],
    replyTo: [],
    content,
    userParams: [],
  };
}

Deno.test("fetcher: fetches SOURCE_URL + the query's path; a refusal becomes a failure", () => {
  const urls: string[] = [];
  const w = world({
    environment: { getEnvironment: () => [["SOURCE_URL", "http://h:1"]] },
    http: {
      fetch: (r) => {
        urls.push(`${r.method} ${r.url}`);
        if (r.url.includes(":2")) throw { payload: "net access to h:2 is not granted" };
        return {
          status: 200,
          headers: [["content-type", "text/plain"]],
          body: new TextEncoder().encode("42"),
        };
      },
    },
  });
  const a = bindAgent(fetcher, w.imports);
  assert.equal(a.handleMessage(msg("query-ref", text("/price"))), true);
  assert.deepEqual(urls, ["GET http://h:1/price"]);
  assert.equal(w.sent[0].performative, "inform");
  assert.deepEqual(JSON.parse(w.sent[0].content!.val), { status: 200, body: "42", fetched: 1 });
  a.handleMessage(msg("query-ref", text("http://h:2/x")));
  assert.equal(w.sent[1].performative, "failure");
  assert.deepEqual(w.sent[1].content, text("net access to h:2 is not granted"));
  assert.equal(a.handleMessage(msg("request")), false, "only query-ref");
});

Deno.test("notes: appends lines and reads them back through the files imports", () => {
  const files = new Map<string, Uint8Array>();
  const w = world({
    files: {
      read: (p) => {
        const v = files.get(p);
        if (!v) throw { payload: `no such file or directory "${p}"` };
        return v;
      },
      write: (p, d) => void files.set(p, d),
      append: (p, d) => {
        const old = files.get(p) ?? new Uint8Array();
        const n = new Uint8Array(old.length + d.length);
        n.set(old);
        n.set(d, old.length);
        files.set(p, n);
      },
      listDir: () => [...files.keys()],
      remove: (p) => void files.delete(p),
    },
  });
  const a = bindAgent(notes, w.imports);
  a.handleMessage(msg("request", text("one")));
  a.handleMessage(msg("request", text("two")));
  a.handleMessage(msg("query-ref"));
  assert.deepEqual(JSON.parse(w.sent[2].content!.val), { ok: true, text: "one\ntwo\n" });
  a.handleMessage(msg("request", { tag: "json", val: JSON.stringify({ op: "read", path: "x" }) }));
  assert.equal(w.sent[3].performative, "failure");
  assert.deepEqual(w.sent[3].content, text(`no such file or directory "x"`));
});

Deno.test("the README's grants example is a valid deploy config within a node allowing its host", async () => {
  const readme = await readReadme();
  const grants = section(readme, "Agents").split("### Grants")[1];
  const [example] = codeBlocks(grants, "json");
  const config = DeployConfigSchema.parse(JSON.parse(example));
  assert.deepEqual(config.manifest.net, ["127.0.0.1:8081"]);
  assert.deepEqual(config.manifest.files, [{ path: "reports", mode: "read-write" }]);
  assert.equal(
    boundViolation({ manifest: config.manifest, limits: config.limits }, {
      ...DEFAULT_AGENT_BOUNDS,
      netAllow: ["127.0.0.1"],
    }),
    undefined,
  );
});
