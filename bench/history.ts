/**
 * Issue 15, conversations that outlive a restart: routing throughput with the message
 * history and trackers written to Deno KV (group commits) against the in-memory history
 * alone, in the same run; and how long a node takes to read a full history back. In
 * process: a router, an endpoint, the conversation service; 64 messages in flight, each in
 * a conversation of its own.
 * @module
 */
import { aid } from "../runtime/acl/mod.ts";
import { ConversationKv, ConversationService } from "../runtime/conversations/mod.ts";
import { MessageRouter, newMessageId } from "../runtime/routing/mod.ts";
import type { BenchResult, Figure } from "./lib/results.ts";

const IN_FLIGHT = 64;

async function run(messages: number, kv?: Deno.Kv): Promise<number> {
  const router = new MessageRouter("p");
  router.register("sink", { deliver: () => {} });
  const conv = new ConversationService({
    router,
    isAgent: (n) => n === "sink",
    timers: null,
    ...(kv ? { store: new ConversationKv(kv) } : {}),
  });
  await conv.load();
  const detach = conv.attach();
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
    while (next++ < messages) {
      await router.route({
        message_id: newMessageId(),
        accepted_at: new Date().toISOString(),
        origin: "http",
        message: {
          performative: "inform",
          sender: aid("client@p"),
          receivers: [aid("sink")],
          content: "x".repeat(200),
          conversation_id: `c${next}`,
        },
      });
    }
  }));
  await conv.flush();
  const rate = messages / ((performance.now() - t0) / 1000);
  detach();
  conv.close();
  return rate;
}

/** Runs the benchmark. */
export async function historyBench(o: { messages?: number } = {}): Promise<BenchResult> {
  const n = o.messages ?? 10_000;
  const dir = await Deno.makeTempDir({ prefix: "fe-bench-history-" });
  const figures: Figure[] = [];
  try {
    await run(1000); // warm-up
    // Alternated, best of two each: the machine is shared.
    let memory = 0;
    let kept = 0;
    for (let round = 0; round < 2; round++) {
      memory = Math.max(memory, await run(n));
      const kv = await Deno.openKv(`${dir}/kv`);
      try {
        kept = Math.max(kept, await run(n, kv));
      } finally {
        kv.close();
      }
    }
    figures.push({
      name: `messages/s routed, history kept in Deno KV (${IN_FLIGHT} in flight)`,
      value: Math.round(kept),
      unit: "msg/s",
      baseline: { name: "history in memory only", value: Math.round(memory), unit: "msg/s" },
      ratio: kept / memory,
      note: "every message recorded; the last write awaited; best of 2 runs each, alternated",
    });
    const kv2 = await Deno.openKv(`${dir}/kv`);
    try {
      const router = new MessageRouter("p");
      const conv = new ConversationService({
        router,
        isAgent: () => false,
        timers: null,
        store: new ConversationKv(kv2),
      });
      const t0 = performance.now();
      const loaded = await conv.load();
      figures.push({
        name: `history read back after a restart (${loaded.messages} messages, the default bound)`,
        value: Math.round(performance.now() - t0),
        unit: "ms",
      });
      conv.close();
    } finally {
      kv2.close();
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return { id: "history", title: "Conversations across restarts (issue 15)", figures };
}
