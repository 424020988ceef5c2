// Shared fixtures of the sandbox tests: a store in a temp dir, message builders and a host
// that records what agents do.
import { type AclMessage, aid, type JsonValue } from "../../../runtime/acl/mod.ts";
import type { TranspileOutput, Transpiler } from "../../../runtime/sandbox/mod.ts";
import {
  type AgentBounds,
  ComponentStore,
  type HostCallbacks,
  Sandbox,
  WorkerTranspiler,
} from "../../../runtime/sandbox/mod.ts";
import { watAgentBytes } from "../../../agents/build/mod.ts";

/** A transpiler that counts real transpilations. */
export class CountingTranspiler implements Transpiler {
  inner = new WorkerTranspiler();
  transpiles = 0;
  transpile(bytes: Uint8Array): Promise<TranspileOutput> {
    this.transpiles++;
    return this.inner.transpile(bytes);
  }
  reference(wit: string): Promise<TranspileOutput> {
    return this.inner.reference(wit);
  }
  close(): void {
    this.inner.close();
  }
}

/** A request from `client@n1` to `to`. */
export function request(to: string, content: JsonValue = "hi", extra: Partial<AclMessage> = {}) {
  return {
    performative: "request",
    sender: aid("client@n1"),
    receivers: [aid(to)],
    content,
    ...extra,
  } satisfies AclMessage;
}

/** Host callbacks that record sends, storage, logs and failures. */
export class Recorder {
  sent: AclMessage[] = [];
  logs: string[] = [];
  failures: { agentId: string; reason: string; message: string }[] = [];
  restarts: string[] = [];
  storage = new Map<string, Uint8Array>();

  host(extra: Partial<HostCallbacks> = {}): HostCallbacks {
    return {
      onSend: (m) => {
        this.sent.push(m);
      },
      storage: {
        set: (k, v) => {
          this.storage.set(k, v);
        },
        delete: (k) => {
          this.storage.delete(k);
        },
      },
      onLog: (level, message) => this.logs.push(`${level}: ${message}`),
      onFailed: (f) => this.failures.push(f),
      onRestarted: (i) => this.restarts.push(i.agentId),
      ...extra,
    };
  }

  /** Contents of the messages sent to `name`. */
  contentsTo(name: string): unknown[] {
    return this.sent.filter((m) => m.receivers.some((r) => r.name === name)).map((m) => m.content);
  }
}

/** A store in a fresh temp dir and a sandbox on it; `close` removes both. */
export async function setup(
  opts: {
    maxAgentsPerWorker?: number;
    spareWorkers?: number;
    watchdogGraceMs?: number;
    instrument?: boolean;
    sharedWorkerCpuMs?: number;
    bounds?: AgentBounds;
  } = {},
) {
  const dir = await Deno.makeTempDir({ prefix: "fipa-sandbox-" });
  const transpiler = new CountingTranspiler();
  const store = new ComponentStore({ dir, transpiler, instrument: opts.instrument });
  const sandbox = new Sandbox({
    store,
    nodeId: "n1",
    maxAgentsPerWorker: opts.maxAgentsPerWorker,
    spareWorkers: opts.spareWorkers,
    watchdogGraceMs: opts.watchdogGraceMs,
    watchdogIntervalMs: 20,
    sharedWorkerCpuMs: opts.sharedWorkerCpuMs,
    bounds: opts.bounds,
  });
  return {
    dir,
    store,
    sandbox,
    transpiler,
    /** Loads a WAT agent of agents/build (`tiny`, `hostile-loop`, ...). */
    async wat(name: string): Promise<string> {
      return (await store.load(await watAgentBytes(name))).hash;
    },
    async close() {
      await sandbox.close();
      store.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}
