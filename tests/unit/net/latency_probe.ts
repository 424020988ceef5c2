/**
 * Measures ping round trips over the net layer (not a test: run it by hand).
 *
 *   deno run --allow-all tests/unit/net/latency_probe.ts
 *
 * Prints medians and p90 for: in-process long-lived stream, in-process new stream per
 * request, cross-process long-lived stream, cross-process new stream per request.
 */
import { type NetNode } from "../../../runtime/net/mod.ts";
import { cleanup, startTestNode } from "./_helpers.ts";

const FIXTURE = new URL("./fixtures/net_node_process.ts", import.meta.url).pathname;

function summary(label: string, xs: number[]): string {
  xs.sort((a, b) => a - b);
  const q = (p: number) =>
    (xs[Math.min(xs.length - 1, Math.floor(xs.length * p))] * 1000).toFixed(0);
  return `${label.padEnd(34)} p50 ${q(0.5).padStart(5)} µs   p90 ${
    q(0.9).padStart(6)
  } µs   (n=${xs.length})`;
}

async function measure(from: NetNode, peer: string, label: string): Promise<void> {
  for (let i = 0; i < 500; i++) await from.ping(peer); // warm up
  for (let i = 0; i < 50; i++) await from.ping(peer, { newStream: true });
  const long: number[] = [];
  for (let i = 0; i < 3000; i++) long.push(await from.ping(peer));
  const fresh: number[] = [];
  for (let i = 0; i < 300; i++) fresh.push(await from.ping(peer, { newStream: true }));
  console.log(summary(`${label}, long-lived stream`, long));
  console.log(summary(`${label}, new stream per request`, fresh));
}

const a = await startTestNode();
const b = await startTestNode();
await measure(a, b.addresses()[0], "in-process");

const dataDir = await Deno.makeTempDir();
const child = new Deno.Command(Deno.execPath(), {
  args: ["run", "--allow-all", FIXTURE, dataDir],
  stdin: "piped",
  stdout: "piped",
}).spawn();
const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
let text = "";
while (!text.includes("\n")) text += (await reader.read()).value ?? "";
const info = JSON.parse(text.slice(0, text.indexOf("\n"))) as { addresses: string[] };
await measure(a, info.addresses[0], "cross-process");
const writer = child.stdin.getWriter();
await writer.write(new TextEncoder().encode("stop\n"));
await writer.close();
while (!(await reader.read()).done) { /* drain */ }
await child.status;
await cleanup(a, b);
await Deno.remove(dataDir, { recursive: true });
