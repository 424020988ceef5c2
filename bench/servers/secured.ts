// The node's HTTP API with a sink agent, authenticated as `Deno.args[0]`: `open` (no token),
// `static` (a sender token from BENCH_TOKEN) or `jwt` (JWTs verified against BENCH_JWKS).
import { securedApp, type SecuredMode } from "../lib/secured-app.ts";

const app = securedApp(
  (Deno.args[0] ?? "open") as SecuredMode,
  Deno.env.get("BENCH_TOKEN"),
  Deno.env.get("BENCH_JWKS"),
);
Deno.serve(
  {
    port: 0,
    hostname: "127.0.0.1",
    onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
  },
  app.fetch,
);
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
