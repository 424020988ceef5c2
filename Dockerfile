# One fipa-edge node. Build: docker build -t fipa-edge .
# Run:   docker run -p 8080:8080 -p 9001:9001 -v fipa-data:/data fipa-edge
FROM denoland/deno:2.9.6

WORKDIR /app
COPY . .
# Fetch and type-check every dependency at build time, not at start-up.
RUN deno install --entrypoint main.ts && deno check main.ts

ENV FIPA_EDGE_HOST=0.0.0.0 \
    FIPA_EDGE_PORT=8080 \
    FIPA_EDGE_P2P_PORT=9001 \
    FIPA_EDGE_DATA_DIR=/data
VOLUME ["/data"]
# HTTP API, libp2p (node-to-node)
EXPOSE 8080 9001

CMD ["deno", "task", "start"]
