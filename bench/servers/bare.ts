// Baseline: a bare Deno.serve handler that reads a JSON body and answers small JSON, the
// least any message endpoint must do.
let n = 0;
Deno.serve({
  port: 0,
  hostname: "127.0.0.1",
  onListen: (a) => console.log(`LISTENING http://127.0.0.1:${a.port}`),
}, async (req) => {
  const body = await req.json();
  n++;
  return Response.json({
    message_id: `msg_${n}`,
    status: "delivered",
    performative: body.performative,
  });
});
Deno.addSignalListener("SIGTERM", () => Deno.exit(0));
