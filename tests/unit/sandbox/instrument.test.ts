// The core-module instrumenter: fuel at loop headers stops runaway loops with an
// uncatchable trap, memory.grow goes through the host, memories and globals are exported.
import assert from "node:assert/strict";
import { buildCoreModule } from "../../../agents/build/wat.ts";
import {
  FUEL_EXPORT,
  hookModuleBytes,
  HOOKS_EXPORT,
  instrumentCoreModule,
  isInstrumented,
  WasmDecodeError,
} from "../../../runtime/sandbox/instrument/mod.ts";

const WAT = `
(module
  (global $g (mut i32) (i32.const 7))
  (global $k i32 (i32.const 1))
  (memory (export "mem") 1 10)
  (func (export "spin") (param $n i32) (result i32)
    (local $i i32)
    (loop $l
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (local.get $n))))
    (local.get $i))
  (func (export "forever") (loop $l (br $l)))
  (func (export "grow") (param $d i32) (result i32) (memory.grow (local.get $d)))
  (func (export "bump") (global.set $g (i32.add (global.get $g) (i32.const 1))))
  (func $tail (export "tail") (param $n i32) (result i32)
    (if (result i32) (i32.eqz (local.get $n))
      (then (i32.const 0))
      (else (return_call $tail (i32.sub (local.get $n) (i32.const 1)))))))
`;

interface Hooked {
  exports: Record<string, unknown>;
  refills: number;
  grows: [number, number][];
  setBudget(refills: number): void;
}

async function instantiate(wat: string, growResult = (_d: number) => -1): Promise<Hooked> {
  const { bytes } = instrumentCoreModule(await buildCoreModule(wat));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {});
  const state: Hooked = {
    exports: inst.exports as Record<string, unknown>,
    refills: 0,
    grows: [],
    setBudget(n) {
      budget = n;
    },
  };
  let budget = Infinity;
  const hooks = new WebAssembly.Instance(
    new WebAssembly.Module(hookModuleBytes() as BufferSource),
    {
      h: {
        refill: () => (state.refills++ < budget ? 1000 : 0),
        grow: (d: number, m: number) => {
          state.grows.push([d, m]);
          return growResult(d);
        },
      },
    },
  );
  const table = inst.exports[HOOKS_EXPORT] as WebAssembly.Table;
  table.set(0, hooks.exports.refill as () => number);
  table.set(1, hooks.exports.grow as () => number);
  (inst.exports[FUEL_EXPORT] as WebAssembly.Global).value = 1000;
  return state;
}

Deno.test("instrumented module validates, keeps its exports and adds the host's", async () => {
  const core = await buildCoreModule(WAT);
  const { bytes, report } = instrumentCoreModule(core);
  assert.ok(WebAssembly.validate(bytes as BufferSource));
  const names = WebAssembly.Module.exports(new WebAssembly.Module(bytes as BufferSource))
    .map((e) => `${e.kind}:${e.name}`);
  for (const n of ["function:spin", "function:grow", "memory:mem"]) assert.ok(names.includes(n), n);
  assert.ok(names.includes("global:fipa:fuel"));
  assert.ok(names.includes("table:fipa:hooks"));
  assert.ok(names.includes("memory:fipa:memory:0"));
  assert.ok(names.includes("global:fipa:global:0"), "the mutable global is exported");
  assert.ok(!names.includes("global:fipa:global:1"), "immutable globals are not");
  assert.equal(report.loops, 2);
  assert.equal(report.grows, 1);
  assert.equal(report.entries, 1, "the tail-calling function is metered at entry");
  assert.ok(isInstrumented(new WebAssembly.Module(bytes as BufferSource)));
  assert.ok(!isInstrumented(new WebAssembly.Module(core as BufferSource)));
});

Deno.test("a bounded loop runs to completion, refilling fuel as it goes", async () => {
  const m = await instantiate(WAT);
  assert.equal((m.exports.spin as (n: number) => number)(50_000), 50_000);
  assert.ok(m.refills >= 49, `refilled ${m.refills} times`);
});

Deno.test("an endless loop traps once the host refuses fuel", async () => {
  const m = await instantiate(WAT);
  m.setBudget(3);
  assert.throws(() => (m.exports.forever as () => void)(), WebAssembly.RuntimeError);
  assert.equal(m.refills, 4);
});

Deno.test("endless tail recursion is metered too", async () => {
  const m = await instantiate(WAT);
  m.setBudget(2);
  assert.throws(() => (m.exports.tail as (n: number) => number)(2 ** 30), WebAssembly.RuntimeError);
  m.setBudget(Infinity);
  assert.equal((m.exports.tail as (n: number) => number)(10), 0);
});

Deno.test("memory.grow asks the host, which can refuse or grant", async () => {
  const refused = await instantiate(WAT);
  assert.equal((refused.exports.grow as (d: number) => number)(3), -1);
  assert.deepEqual(refused.grows, [[3, 0]]);
  const granted = await instantiate(WAT, () => 1);
  assert.equal((granted.exports.grow as (d: number) => number)(1), 1);
});

Deno.test("mutable globals can be read and restored through their exports", async () => {
  const { bytes } = instrumentCoreModule(await buildCoreModule(WAT));
  const inst = new WebAssembly.Instance(new WebAssembly.Module(bytes as BufferSource), {});
  (inst.exports.bump as () => void)();
  const g = inst.exports["fipa:global:0"] as WebAssembly.Global;
  assert.equal(g.value, 8);
  g.value = 41;
  (inst.exports.bump as () => void)();
  assert.equal(g.value, 42);
});

Deno.test("a module without type, table, global or export sections still instruments", async () => {
  const { bytes } = instrumentCoreModule(await buildCoreModule("(module)"));
  assert.ok(WebAssembly.validate(bytes as BufferSource));
});

Deno.test("bytes that are not a core module are refused with a decode error", () => {
  assert.throws(() => instrumentCoreModule(new Uint8Array([1, 2, 3])), WasmDecodeError);
  const truncated = Uint8Array.of(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0, 10, 50, 1);
  assert.throws(() => instrumentCoreModule(truncated), WasmDecodeError);
});
