// Grants over real HTTP (issue 12): an agent of world 0.2.0 granted `net: ["127.0.0.1:<A>"]`
// answers a query-ref with data fetched from a local HTTP server on port A; asking for port
// B gets an error value naming B and the grant, and it keeps answering. With the node's own
// check switched off (a test-only fault), Deno's permissions of the Worker refuse B by
// themselves. Files: reads and writes inside the granted directory work; `..`, absolute
// paths, symbolic links out of it and writes to a read-only grant are refused; the byte
// limit holds.
import assert from "node:assert/strict";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

const DIST = new URL("../../agents/dist/", import.meta.url);
/** ComponentizeJS calls are slow on a loaded machine; the limit is not under test here. */
const CPU_MS = 30_000;

/** A data directory whose component cache is the one the tests share (no re-transpiling). */
async function dataDir(): Promise<string> {
  const shared = new URL("../../.cache/test-components", import.meta.url).pathname;
  await Deno.mkdir(shared, { recursive: true });
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-grants-" });
  await Deno.symlink(shared, `${dir}/components`);
  return dir;
}

async function start(env: Record<string, string> = {}): Promise<NodeProcess> {
  return await spawnNode(
    ["--agent-net-allow", "127.0.0.1", "--max-agent-cpu-ms", String(CPU_MS), "--rate-limit", "off"],
    env,
    { dataDir: await dataDir() },
  );
}

async function deploy(base: string, file: string, config: Record<string, unknown>) {
  const form = new FormData();
  form.append("wasm", new Blob([await Deno.readFile(new URL(file, DIST))]), file);
  form.append("config", JSON.stringify(config));
  const res = await fetch(`${base}/api/v1/agents`, { method: "POST", body: form });
  const body = await res.json();
  assert.equal(res.status, 201, JSON.stringify(body));
}

/** Sends and waits; returns the reply's performative and content. */
async function ask(base: string, receiver: string, performative: string, content: unknown) {
  const res = await fetch(`${base}/api/v1/messages/send-and-wait?timeout_ms=60000`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ performative, receiver, content }),
  });
  const body = await res.json();
  assert.equal(res.status, 200, JSON.stringify(body));
  return { performative: body.reply.performative as string, content: body.reply.content };
}

function serve(body: string): Deno.HttpServer<Deno.NetAddr> {
  return Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (req) => new Response(`${body} ${new URL(req.url).pathname}`),
  );
}

async function metric(base: string, line: RegExp): Promise<string | undefined> {
  const text = await (await fetch(`${base}/metrics`)).text();
  return text.split("\n").find((l) => line.test(l));
}

Deno.test("an agent granted 127.0.0.1:A fetches from A; B is refused by name, and it keeps answering", async () => {
  const a = serve("from A");
  const b = serve("from B");
  const node = await start();
  try {
    await deploy(node.url, "fetcher.wasm", {
      name: "fetcher",
      manifest: {
        env: { SOURCE_URL: `http://127.0.0.1:${a.addr.port}` },
        net: [`127.0.0.1:${a.addr.port}`],
      },
      limits: { cpu_ms_per_call: CPU_MS },
    });
    const first = await ask(node.url, "fetcher", "query-ref", "/price");
    assert.equal(first.performative, "inform", JSON.stringify(first));
    assert.deepEqual(first.content, { status: 200, body: "from A /price", fetched: 1 });

    const other = `http://127.0.0.1:${b.addr.port}/price`;
    const refused = await ask(node.url, "fetcher", "query-ref", other);
    assert.equal(refused.performative, "failure");
    assert.match(
      refused.content,
      new RegExp(
        `^net access to 127\\.0\\.0\\.1:${b.addr.port} is not granted \\(the manifest's net ` +
          `grants 127\\.0\\.0\\.1:${a.addr.port}; add "127\\.0\\.0\\.1:${b.addr.port}" to manifest\\.net\\)$`,
      ),
    );

    const again = await ask(node.url, "fetcher", "query-ref", "/again");
    assert.deepEqual(again.content, { status: 200, body: "from A /again", fetched: 2 });

    assert.match(
      await metric(node.url, /^fipa_edge_agent_grant_refusals_total\{[^}]*kind="net"/) ?? "",
      / 1$/,
    );
    const logged = node.logs().split("\n").find((l) => l.includes("not granted"));
    assert.ok(logged, "the refusal is logged");
    assert.match(logged, /"agent":"fetcher"/);
    assert.match(logged, new RegExp(`127\\.0\\.0\\.1:${b.addr.port}`));
  } finally {
    await node.stop();
    await a.shutdown();
    await b.shutdown();
  }
});

Deno.test("with the node's own check off, Deno's permissions of the Worker refuse the ungranted host", async () => {
  const a = serve("from A");
  const b = serve("from B");
  const node = await start({ FIPA_EDGE_FAULT: "sandbox:no-grant-check" });
  try {
    await deploy(node.url, "fetcher.wasm", {
      name: "fetcher",
      manifest: {
        env: { SOURCE_URL: `http://127.0.0.1:${a.addr.port}` },
        net: [`127.0.0.1:${a.addr.port}`],
      },
      limits: { cpu_ms_per_call: CPU_MS },
    });
    const ok = await ask(node.url, "fetcher", "query-ref", "/x");
    assert.deepEqual(ok.content, { status: 200, body: "from A /x", fetched: 1 });
    const refused = await ask(
      node.url,
      "fetcher",
      "query-ref",
      `http://127.0.0.1:${b.addr.port}/x`,
    );
    assert.equal(refused.performative, "failure");
    assert.match(refused.content, /^refused by the sandbox's Deno permissions: /);
    assert.match(refused.content, new RegExp(`net access to "127\\.0\\.0\\.1:${b.addr.port}"`));
    const again = await ask(node.url, "fetcher", "query-ref", "/y");
    assert.deepEqual(again.content, { status: 200, body: "from A /y", fetched: 2 });
  } finally {
    await node.stop();
    await a.shutdown();
    await b.shutdown();
  }
});

Deno.test("files: inside the grant works; '..', absolute paths, symlinks out, read-only writes and the byte limit are refused", async () => {
  const node = await start();
  try {
    await deploy(node.url, "notes.wasm", {
      name: "notes",
      manifest: {
        files: [{ path: "notes", mode: "read-write" }, { path: "shared", mode: "read" }],
      },
      limits: { cpu_ms_per_call: CPU_MS, file_bytes: 1000 },
    });
    const op = (c: Record<string, unknown>) => ask(node.url, "notes", "request", c);
    assert.equal((await ask(node.url, "notes", "request", "hello")).performative, "inform");
    assert.equal((await ask(node.url, "notes", "request", "world")).performative, "inform");
    const read = await ask(node.url, "notes", "query-ref", "");
    assert.deepEqual(read.content, { ok: true, text: "hello\nworld\n" });

    // The file is in the agent's root in the node's data directory.
    const roots = [...Deno.readDirSync(`${node.dataDir}/agent-files`)].map((e) => e.name);
    assert.equal(roots.length, 1);
    assert.match(roots[0], /^notes@/);
    const root = `${node.dataDir}/agent-files/${roots[0]}`;
    assert.equal(await Deno.readTextFile(`${root}/notes/notes.txt`), "hello\nworld\n");

    assert.deepEqual((await op({ op: "list", path: "notes" })).content, {
      ok: true,
      names: ["notes.txt"],
    });
    const refusals: [Record<string, unknown>, RegExp][] = [
      [{ op: "read", path: "../notes@x/notes.txt" }, /has a "\.\." or empty segment/],
      [{ op: "read", path: "notes/../../../etc/passwd" }, /has a "\.\." or empty segment/],
      [{ op: "read", path: "/etc/passwd" }, /^read access to "\/etc\/passwd" is not granted/],
      [
        { op: "read", path: "elsewhere.txt" },
        /is not granted \(the manifest's files grants notes \(read-write\), shared \(read\)\)/,
      ],
      [{ op: "write", path: "shared/x", data: "x" }, /files grant shared is read-only/],
    ];
    await Deno.symlink("/etc", `${root}/notes/etc`);
    refusals.push([
      { op: "read", path: "notes/etc/hostname" },
      /symbolic link out of the granted directory notes/,
    ]);
    for (const [c, re] of refusals) {
      const r = await op(c);
      assert.equal(r.performative, "failure", JSON.stringify(c));
      assert.match(r.content, re, JSON.stringify(c));
    }
    // The byte limit: 12 bytes are there; 989 more fit, 990 do not.
    const big = await op({ op: "write", path: "notes/big", data: "x".repeat(990) });
    assert.equal(big.performative, "failure");
    assert.match(
      big.content,
      /would make the agent's files hold 1002 bytes; limits\.file_bytes is 1000/,
    );
    assert.equal(
      (await op({ op: "write", path: "notes/big", data: "x".repeat(988) })).performative,
      "inform",
    );
    assert.deepEqual((await ask(node.url, "notes", "query-ref", "")).content, {
      ok: true,
      text: "hello\nworld\n",
    });
    assert.match(
      await metric(node.url, /^fipa_edge_agent_grant_refusals_total\{[^}]*kind="files"/) ?? "",
      new RegExp(` ${refusals.length}$`),
    );
  } finally {
    await node.stop();
  }
});
