// Loading components: validation against the agent world (INVALID_WASM with the reason),
// and the cache by content hash (in memory and on disk, across stores).
import assert from "node:assert/strict";
import {
  agentWit,
  buildCoreModule,
  buildWatComponent,
  watAgentBytes,
} from "../../../agents/build/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { ComponentStore, wasmKind } from "../../../runtime/sandbox/mod.ts";
import { CountingTranspiler } from "./helpers.ts";

async function withStore(
  fn: (store: ComponentStore, t: CountingTranspiler, dir: string) => Promise<void>,
): Promise<void> {
  const dir = await Deno.makeTempDir({ prefix: "fipa-store-" });
  const t = new CountingTranspiler();
  const store = new ComponentStore({ dir, transpiler: t });
  try {
    await fn(store, t, dir);
  } finally {
    store.close();
    await Deno.remove(dir, { recursive: true });
  }
}

async function invalidReason(store: ComponentStore, bytes: Uint8Array): Promise<string> {
  try {
    await store.load(bytes);
  } catch (err) {
    assert.ok(err instanceof ApiError, `expected ApiError, got ${err}`);
    assert.equal(err.code, "INVALID_WASM");
    assert.equal(err.status, 400);
    assert.equal(typeof err.details.reason, "string");
    return err.details.reason as string;
  }
  throw new Error("load succeeded");
}

const EXPORTS_WAT = (handleParams: string) => `
(module
  (memory (export "memory") 1)
  (func (export "cabi_realloc") (param i32 i32 i32 i32) (result i32) (i32.const 64))
  (func (export "init"))
  (func (export "run") (result i32) (i32.const 0))
  (func (export "shutdown"))
  (func (export "handle-message") (param ${handleParams}) (result i32) (i32.const 1)))`;

Deno.test("the same bytes are transpiled once, also by a new store on the same dir", async () => {
  await withStore(async (store, t, dir) => {
    const bytes = await watAgentBytes("tiny");
    const first = await store.load(bytes);
    assert.equal(first.transpiled, true);
    assert.match(first.hash, /^[0-9a-f]{64}$/);
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as BufferSource));
    assert.equal(first.hash, Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join(""));
    const again = await store.load(bytes.slice());
    assert.equal(again.transpiled, false);
    assert.equal(again.hash, first.hash);
    assert.equal(t.transpiles, 1);
    assert.ok((await Deno.stat(`${dir}/${first.hash}/meta.json`)).isFile);
    assert.deepEqual(first.info.imports, ["fipa:agent/messaging@0.1.0"]);
    assert.ok(first.info.exports.includes("handleMessage"));

    const t2 = new CountingTranspiler();
    const restarted = new ComponentStore({ dir, transpiler: t2 });
    try {
      const r = await restarted.load(bytes);
      assert.equal(r.transpiled, false);
      assert.equal(t2.transpiles, 0);
      const c = await restarted.get(first.hash);
      assert.ok(Object.values(c.modules).every((m) => m instanceof WebAssembly.Module));
      assert.equal(await restarted.has(first.hash), true);
      assert.equal(await restarted.has("0".repeat(64)), false);
    } finally {
      restarted.close();
    }
  });
});

Deno.test("bytes that are not WebAssembly are INVALID_WASM", async () => {
  await withStore(async (store, t) => {
    const reason = await invalidReason(store, new TextEncoder().encode("hello, not wasm"));
    assert.match(reason, /not a WebAssembly binary/);
    assert.equal(t.transpiles, 0);
  });
});

Deno.test("a core module instead of a component is INVALID_WASM", async () => {
  await withStore(async (store) => {
    const core = await buildCoreModule('(module (func (export "init")))');
    assert.equal(wasmKind(core), "core-module");
    assert.match(await invalidReason(store, core), /core WebAssembly module/);
  });
});

Deno.test("a truncated component is INVALID_WASM naming jco's complaint", async () => {
  await withStore(async (store) => {
    const bytes = await watAgentBytes("tiny");
    assert.match(
      await invalidReason(store, bytes.slice(0, bytes.length - 40)),
      /not a valid component/,
    );
  });
});

Deno.test("a component of another world is INVALID_WASM", async () => {
  await withStore(async (store) => {
    const other = await buildWatComponent(EXPORTS_WAT("i32 i32"), {
      wit: `package test:other@1.0.0;
        world agent {
          export init: func();
          export run: func() -> bool;
          export shutdown: func();
          export handle-message: func(message: string) -> bool;
        }`,
    });
    assert.match(await invalidReason(store, other), /handle-message has the wrong signature/);

    const missing = await buildWatComponent(
      `(module (memory (export "memory") 1) (func (export "init")))`,
      { wit: `package test:other@1.0.0; world agent { export init: func(); }` },
    );
    assert.match(await invalidReason(store, missing), /missing export run/);
  });
});

Deno.test("a component built against a changed fipa:agent@0.1.0 is INVALID_WASM", async () => {
  await withStore(async (store) => {
    const wit = (await agentWit()).replace("message-id: string,", "message-id: u64,");
    const changed = await buildWatComponent(
      `(module
        (import "fipa:agent/messaging@0.1.0" "send-message" (func (param i32 i32)))
        ${EXPORTS_WAT("i32").slice("\n(module".length)}`,
      { wit },
    );
    assert.match(await invalidReason(store, changed), /AclMessage|does not match the world/);
  });
});

Deno.test("a component importing an unknown interface is INVALID_WASM", async () => {
  await withStore(async (store) => {
    const wit = `${await agentWit()}
      world greedy { include agent; import wasi:http/outgoing-handler@0.2.0; }
      package wasi:http@0.2.0 { interface outgoing-handler { handle: func(); } }`;
    const greedy = await buildWatComponent(
      `(module
        (import "wasi:http/outgoing-handler@0.2.0" "handle" (func))
        ${EXPORTS_WAT("i32").slice("\n(module".length)}`,
      { wit, world: "greedy" },
    );
    assert.match(await invalidReason(store, greedy), /wasi:http\/outgoing-handler/);
  });
});
