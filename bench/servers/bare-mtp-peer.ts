// Baseline for the MTP bench: the least another platform's ACC does per exchange. It takes
// a POST (the body read, `200` with no body) and, in the background, POSTs a body of the same
// size back to the address in `x-back`, echoing `x-id`: no multipart, envelope or agent.
const echo = new Uint8Array(1400);
Deno.serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
}, async (req) => {
  const id = req.headers.get("x-id") ?? "";
  const back = req.headers.get("x-back");
  await req.arrayBuffer();
  if (back) {
    fetch(back, { method: "POST", headers: { "x-id": id }, body: echo })
      .then((r) => r.body?.cancel())
      .catch(() => {});
  }
  return new Response(null);
});
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
