// The node's HTTP API with one local endpoint, `sink`, that accepts every message.
import { createApp } from "../../runtime/http/mod.ts";
import { silentLogger } from "../../runtime/log/mod.ts";
import { MessageRouter } from "../../runtime/routing/mod.ts";

const router = new MessageRouter("bench");
let delivered = 0;
router.register("sink", { deliver: () => void delivered++ });
const app = createApp({ node: "bench", router, log: silentLogger, maxBodyBytes: 1 << 20 });
Deno.serve(
  {
    port: 0,
    hostname: "127.0.0.1",
    onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
  },
  app.fetch,
);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
