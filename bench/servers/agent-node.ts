// A whole node (startNode: router, sandbox, agents, cluster of one, metrics, events) with
// the tiny echo agent deployed as `echo`, for wrk on /api/v1/messages/send-and-wait.
import { startBenchNode } from "../lib/bench-node.ts";
import { printCrossings } from "../lib/crossings.ts";

const bn = await startBenchNode();
await bn.deploy(
  await Deno.readFile(new URL("../../agents/dist/tiny.wasm", import.meta.url)),
  "echo",
);
console.log(`LISTENING ${bn.node.url}`);
Deno.addSignalListener("SIGTERM", async () => {
  printCrossings();
  await Promise.race([bn.stop(), new Promise((r) => setTimeout(r, 3000))]);
  Deno.exit(0);
});
