import assert from "node:assert/strict";
import { FORMS, measure } from "../../../bench/worker-post.ts";
import { schedMs, threadCpuMs } from "../../../bench/lib/node-process.ts";

Deno.test("bench worker-post: every form crosses both ways and each thread's CPU is counted", async () => {
  for (const form of FORMS) {
    for (const mode of ["burst", "ping"] as const) {
      const r = await measure(form, mode, 50);
      assert.equal(r.form, form);
      assert.ok(r.mainCpuUs > 0, `${form} ${mode}: main CPU ${r.mainCpuUs}`);
      assert.ok(r.workerCpuUs > 0, `${form} ${mode}: worker CPU ${r.workerCpuUs}`);
      assert.ok(r.wallUs > 0 && Number.isFinite(r.postUs), `${form} ${mode}: ${JSON.stringify(r)}`);
    }
  }
});

Deno.test("bench node-process: CPU by thread and the main thread's run and wait times", () => {
  const threads = threadCpuMs(Deno.pid);
  assert.ok(threads.size > 0);
  for (const [name, ms] of threads) assert.ok(ms >= 0, `${name}: ${ms}`);
  const s = schedMs(Deno.pid);
  assert.ok(s.ran > 0 && s.waited >= 0, JSON.stringify(s));
});
