// A whole node with N tiny echo agents deployed as `echo0` … `echo<N-1>` (N: first argument,
// default 1), for wrk on /api/v1/messages/send-and-wait spread over them. Prints the deploy
// time and the RSS after the deploys on stderr-free stdout lines before LISTENING.
import { startBenchNode } from "../lib/bench-node.ts";
import { printCrossings } from "../lib/crossings.ts";

const n = Number(Deno.args[0] ?? 1);
const bn = await startBenchNode();
const bytes = await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url));
const rss0 = Deno.memoryUsage().rss;
const t0 = performance.now();
for (let i = 0; i < n; i++) await bn.deploy(bytes, `echo${i}`);
const ms = performance.now() - t0;
console.log(`DEPLOYED ${n} ${ms.toFixed(1)} ${Deno.memoryUsage().rss - rss0}`);
console.log(`LISTENING ${bn.node.url}`);
Deno.addSignalListener("SIGTERM", async () => {
  printCrossings();
  await Promise.race([bn.stop(), new Promise((r) => setTimeout(r, 3000))]);
  Deno.exit(0);
});
