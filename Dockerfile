# One fipa-edge node. Build: docker build -t fipa-edge .
# Run:   docker run -p 8080:8080 -p 9001:9001 -v fipa-data:/data fipa-edge [node flags]
# Hosts of one cluster: docker run --network host ... fipa-edge --name n2 --platform edge \
#          --join /ip4/<host1>/tcp/9001/p2p/<id>   (see README, "Deploying across hosts")
FROM denoland/deno:2.9.6

WORKDIR /app
COPY . .
# Fetch and type-check every dependency at build time, not at start-up: the node, the agent
# sandbox's Worker entry points (loaded at run time, so not in main.ts's static graph), and
# the CLI. A node then starts without reaching any registry.
RUN deno install --entrypoint main.ts runtime/sandbox/worker/bootstrap.ts \
      runtime/sandbox/transpile-worker.ts cli/main.ts \
 && deno check main.ts cli/main.ts

ENV FIPA_EDGE_HOST=0.0.0.0 \
    FIPA_EDGE_PORT=8080 \
    FIPA_EDGE_P2P_PORT=9001 \
    FIPA_EDGE_DATA_DIR=/data
VOLUME ["/data"]
# HTTP API and dashboard, libp2p (node-to-node)
EXPOSE 8080 9001

HEALTHCHECK --interval=15s --timeout=5s --start-period=30s --retries=3 CMD ["deno", "eval", \
  "const r = await fetch(`http://127.0.0.1:${Deno.env.get('FIPA_EDGE_PORT') ?? 8080}/health`); Deno.exit(r.ok ? 0 : 1)"]

# `deno run` itself is PID 1 (not `deno task`, which does not pass signals on), so
# `docker stop` reaches the node and it shuts down cleanly. Arguments are node flags.
ENTRYPOINT ["deno", "run", "--allow-net", "--allow-read", "--allow-write", "--allow-env", \
  "--allow-sys", "--allow-run", "main.ts"]
