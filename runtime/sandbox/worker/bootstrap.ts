/// <reference lib="deno.worker" />
/**
 * Entry point of a sandbox Worker. It hosts several agents (all with the same Deno
 * permissions) and runs one call at a time. Untrusted code never runs outside the wasm
 * instances; this file and the host functions are trusted.
 * @module
 */
import { type FromWorker, RPC_BYTES, RPC_HEADER, type RpcOp, type ToWorker } from "../protocol.ts";
import { AgentFailure, AgentInstance, type ComponentCode } from "./agent.ts";
import { HttpBridge } from "./http.ts";
import { speedUpGlue } from "./glue-speedups.ts";

const components = new Map<string, ComponentCode>();
const agents = new Map<number, { agent: AgentInstance; hash: string }>();
let rpcState: Int32Array | undefined;
let rpcData: Uint8Array | undefined;

/** How long an agent waits for the node to answer a synchronous question. */
const RPC_TIMEOUT_MS = 5000;

/** Whether a reply can cross as JSON text (no binary data, no snapshot). */
function jsonSafe(m: FromWorker): boolean {
  if (m.t === "failed") return true;
  if (m.t !== "done") return false;
  if (m.value !== undefined && typeof m.value === "object") return false;
  return !m.effects?.some((e) => e.t === "store");
}

/** Longest a reply waits for others of its batch. */
const BATCH_MS = 2;
/** Replies collected while a batch of calls runs, sent together at its end. */
let batch: FromWorker[] | undefined;

/**
 * Posts the replies collected, in request order: as JSON text when all can be (the cheaper
 * form), else as one structured clone (a checkpoint's pages, a call's stored bytes), which
 * costs more per reply than the text but less than a post of its own.
 */
function postBatch(out: FromWorker[]): void {
  if (out.length) self.postMessage(out.every(jsonSafe) ? JSON.stringify(out) : out);
}

function post(m: FromWorker): void {
  // Replies to requests join the batch; anything else (an rpc, which the Worker then waits
  // for) crosses at once, after the replies collected before it.
  if (batch && (m.t === "done" || m.t === "failed")) {
    batch.push(m);
    return;
  }
  if (batch?.length) {
    postBatch(batch);
    batch = [];
  }
  // JSON text is cheaper to pass between threads than a structured clone.
  self.postMessage(jsonSafe(m) ? JSON.stringify(m) : m);
}

let rpcSeq = 0;
/** Outgoing HTTP of this Worker's agents (all have the same `net` grant). */
const http = new HttpBridge();

function rpc(slot: number, op: RpcOp, arg: string): unknown {
  if (!rpcState || !rpcData) throw new Error("sandbox worker has no rpc buffer");
  const seq = ++rpcSeq;
  Atomics.store(rpcState, 0, 0);
  post({ t: "rpc", seq, slot, op, arg });
  const until = performance.now() + RPC_TIMEOUT_MS;
  for (;;) {
    const left = until - performance.now();
    if (left <= 0 || Atomics.wait(rpcState, 0, 0, left) === "timed-out") {
      return "the node did not answer in time";
    }
    if (Atomics.load(rpcState, 2) === seq) break;
    Atomics.store(rpcState, 0, 0); // a late answer to an earlier question
  }
  const len = Atomics.load(rpcState, 1);
  const text = new TextDecoder().decode(rpcData.slice(0, len));
  Atomics.store(rpcState, 0, 0);
  return JSON.parse(text);
}

/** Runs a call of an agent's export, synchronously (no promise: the hot path). */
function call(m: Extract<ToWorker, { t: "call" }>): void {
  const a = agents.get(m.slot);
  if (!a) {
    post({ t: "error", id: m.id, error: `no agent in slot ${m.slot}` });
    return;
  }
  try {
    if (m.storage) a.agent.applyStorage(m.storage);
    const { value, effects } = a.agent.call(m.fn, m.message, m.timer);
    post({ t: "done", id: m.id, value, effects });
  } catch (err) {
    agents.delete(m.slot);
    const f = err instanceof AgentFailure ? err : new AgentFailure("trap", String(err));
    post({ t: "failed", id: m.id, slot: m.slot, reason: f.reason, message: f.message });
  }
}

async function handle(m: ToWorker): Promise<void> {
  switch (m.t) {
    case "setup":
      rpcState = new Int32Array(m.rpc, 0, 3);
      rpcData = new Uint8Array(m.rpc, RPC_HEADER, RPC_BYTES - RPC_HEADER);
      return;
    case "component": {
      const url = URL.createObjectURL(
        new Blob([speedUpGlue(m.glue)], { type: "text/javascript" }),
      );
      try {
        const mod = await import(url);
        components.set(m.hash, { instantiate: mod.instantiate, modules: m.modules });
      } finally {
        URL.revokeObjectURL(url);
      }
      post({ t: "done", id: m.id });
      return;
    }
    case "activate": {
      const code = components.get(m.hash);
      if (!code) {
        post({ t: "error", id: m.id, error: `component ${m.hash} not loaded in this worker` });
        return;
      }
      const agent = new AgentInstance({
        slot: m.slot,
        agentId: m.agentId,
        nodeId: m.nodeId,
        manifest: m.manifest,
        limits: m.limits,
        storage: m.storage,
        filesRoot: m.filesRoot,
        skipGrantCheck: m.skipGrantCheck,
      }, { rpc, http });
      try {
        if (m.manifest.net.length > 0 || m.skipGrantCheck) await http.start();
        await agent.instantiate(code, m.snapshot);
      } catch (err) {
        const f = err instanceof AgentFailure ? err : undefined;
        post({
          t: "failed",
          id: m.id,
          slot: m.slot,
          reason: f?.reason ?? "trap",
          message: err instanceof Error ? err.message : String(err),
          ...(f?.needBytes !== undefined ? { needBytes: f.needBytes } : {}),
        });
        return;
      }
      agents.set(m.slot, { agent, hash: m.hash });
      post({ t: "done", id: m.id });
      return;
    }
    case "call":
      call(m);
      return;
    case "enqueue": {
      const a = agents.get(m.slot);
      if (!a) {
        post({ t: "error", id: m.id, error: `no agent in slot ${m.slot}` });
        return;
      }
      a.agent.mailbox.push(m.message);
      post({ t: "done", id: m.id });
      return;
    }
    case "snapshot": {
      const a = agents.get(m.slot);
      if (!a) {
        post({ t: "error", id: m.id, error: `no agent in slot ${m.slot}` });
        return;
      }
      post({ t: "done", id: m.id, value: a.agent.snapshot(a.hash) });
      return;
    }
    case "checkpoint": {
      const a = agents.get(m.slot);
      if (!a) {
        post({ t: "error", id: m.id, error: `no agent in slot ${m.slot}` });
        return;
      }
      if (m.storage) a.agent.applyStorage(m.storage);
      post({ t: "done", id: m.id, value: a.agent.checkpoint(a.hash, m.full) });
      return;
    }
    case "drop":
      agents.delete(m.slot);
      post({ t: "done", id: m.id });
      return;
  }
}

// Messages are handled strictly in order: an activation (async) finishes before the
// next message for any agent runs.
let chain: Promise<void> = Promise.resolve();
self.onmessage = (e: MessageEvent<ToWorker | string>) => {
  const data: ToWorker | ToWorker[] = typeof e.data === "string" ? JSON.parse(e.data) : e.data;
  if (Array.isArray(data)) {
    if (chain === idle) {
      // A batch of calls: run them in order, answering with one message per few ms (so
      // the node sees progress, and its watchdog judges each call, not the batch).
      batch = [];
      let since = performance.now();
      for (const m of data) {
        // (A batch holds calls and checkpoint requests, both synchronous: see
        // SandboxWorker.send.)
        if (m.t === "call") call(m);
        else {
          handle(m).catch((err) => {
            post({ t: "error", id: "id" in m ? m.id : -1, error: String(err) });
          });
        }
        if (batch.length && performance.now() - since > BATCH_MS) {
          postBatch(batch);
          batch = [];
          since = performance.now();
        }
      }
      const out = batch;
      batch = undefined;
      postBatch(out);
    } else {
      for (const m of data) enqueue(m);
    }
    return;
  }
  if (data.t === "call" && chain === idle) {
    // Fast path: a call runs synchronously when nothing is pending.
    call(data);
    return;
  }
  enqueue(data);
};

function enqueue(m: ToWorker): void {
  chain = chain.then(() => handle(m)).catch((err) => {
    post({ t: "error", id: "id" in m ? m.id : -1, error: String(err) });
  });
  const mine = chain;
  void mine.then(() => {
    if (chain === mine) chain = idle;
  });
}
const idle = chain;
post({ t: "ready" });
