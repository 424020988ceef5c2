import assert from "node:assert/strict";
import {
  builtBody,
  formatBytes,
  formatDuration,
  messageBody,
  multipartBody,
  Progress,
  progressStream,
  renderBar,
  renderSpinner,
} from "../../../cli/mod.ts";

Deno.test("message text: FIPA string or JSON, checked locally", () => {
  assert.equal(messageBody(" (inform :content x) ").contentType, "text/fipa-acl");
  assert.equal(messageBody('{"a":1}').contentType, "application/json");
  assert.throws(() => messageBody("   "), /empty/);
  assert.throws(() => messageBody("{oops"), /not valid JSON/);
  assert.throws(() => messageBody("hello"), /JSON .* or a FIPA string .* not 'hello'/);
  assert.deepEqual(
    JSON.parse(builtBody({ performative: "cfp", receiver: ["a", "b"], sender: "me" }).body),
    { performative: "cfp", receiver: ["a", "b"], sender: "me" },
  );
});

Deno.test("multipart bodies parse back as form data", async () => {
  const enc = new TextEncoder();
  const body = multipartBody([
    { name: "config", contentType: "application/json", data: enc.encode('{"name":"x"}') },
    {
      name: "wasm",
      filename: 'we"ird.wasm',
      contentType: "application/wasm",
      data: new Uint8Array([0, 255, 13, 10]),
    },
  ], "BOUNDARY42");
  const form = await new Response(body as Uint8Array<ArrayBuffer>, {
    headers: { "content-type": "multipart/form-data; boundary=BOUNDARY42" },
  }).formData();
  assert.equal(form.get("config"), '{"name":"x"}');
  const f = form.get("wasm") as File;
  assert.deepEqual(new Uint8Array(await f.arrayBuffer()), new Uint8Array([0, 255, 13, 10]));
});

Deno.test("the progress stream yields every byte and reports as it goes", async () => {
  const data = new Uint8Array(10).map((_, i) => i);
  const seen: number[] = [];
  const out = new Uint8Array(
    await new Response(progressStream(data, (s) => seen.push(s), 4)).arrayBuffer(),
  );
  assert.deepEqual(out, data);
  assert.deepEqual(seen, [4, 8, 10, 10]);
});

Deno.test("bars, spinners, sizes and durations", () => {
  assert.equal(renderBar(0, 100, 10), "[----------]   0%  0 B/100 B");
  assert.equal(renderBar(50, 100, 10), "[#####-----]  50%  50 B/100 B");
  assert.equal(renderBar(5, 0, 4), "[####] 100%  5 B/0 B");
  assert.equal(renderSpinner("waiting", 11, 1500), "⠙ waiting  1.5 s");
  assert.equal(formatBytes(1536), "1.5 KiB");
  assert.equal(formatBytes(300 * 1024 * 1024), "300 MiB");
  assert.equal(formatDuration(20), "20 ms");
  assert.equal(formatDuration(125_000), "2m05s");
});

Deno.test("progress draws only on a terminal; the spinner ticks until cleared", () => {
  const drawn: string[] = [];
  let tick: (() => void) | undefined;
  let stopped = 0;
  let now = 0;
  const sink = {
    write: (t: string) => void drawn.push(t),
    tty: true,
    now: () => now,
    every: (fn: () => void) => {
      tick = fn;
      return () => void stopped++;
    },
  };
  const p = new Progress(sink, true);
  p.spin("waiting");
  now = 2500;
  tick!();
  assert.deepEqual(drawn, ["\r\x1b[2K⠋ waiting  0 ms", "\r\x1b[2K⠙ waiting  2.5 s"]);
  p.clear();
  assert.equal(stopped, 1);
  assert.equal(drawn.at(-1), "\r\x1b[2K");
  const piped: string[] = [];
  const q = new Progress({ ...sink, tty: false, write: (t) => void piped.push(t) }, true);
  q.spin("x");
  q.bar("y", 1, 2);
  q.clear();
  assert.deepEqual(piped, []);
});
