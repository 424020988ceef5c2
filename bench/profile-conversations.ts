/**
 * The conversation service's own CPU cost, in one process without agents or HTTP: a router
 * with two endpoints, `client` (not tracked, as an HTTP caller) and `echo` (an agent), and
 * request/reply pairs routed through it, `echo` answering each request with an `inform` as
 * the tiny echo does (same content, protocol and conversation id, `in_reply_to`). Prints the
 * process's CPU time (user + system, every thread) per pair, min and median of the rounds,
 * with the service attached (`--kv`: and keeping history and trackers in Deno KV, as a node
 * does) and without it, alternating, so the difference is what the service costs a pair.
 *
 * Kinds: `sw` (a send-and-wait: a conversation id, no protocol, the benchmarks' ~250-byte
 * JSON content), `fipa` (a tracked FIPA Request: `fipa-request`, content `"ping"`), `bare`
 * (no conversation id). Run with `--cpu-prof` for a profile.
 * Run: `deno run -A bench/profile-conversations.ts <sw|fipa|bare> [pairs] [rounds] [--kv]
 * [--only-service]`.
 * @module
 */
import process from "node:process";
import { type AclMessage, aid } from "../runtime/acl/mod.ts";
import { ConversationKv, ConversationService } from "../runtime/conversations/mod.ts";
import { type Delivery, MessageRouter, newMessageId } from "../runtime/routing/mod.ts";
import { SAMPLE_CONTENT } from "./lib/sample-content.ts";

const flags = Deno.args.filter((a) => a.startsWith("--"));
const [kind = "sw", pairsArg = "20000", roundsArg = "7"] = Deno.args.filter((a) =>
  !a.startsWith("--")
);
if (!["sw", "fipa", "bare"].includes(kind)) throw new Error(`unknown kind '${kind}'`);
const pairs = Number(pairsArg);
const rounds = Number(roundsArg);
const withKv = flags.includes("--kv");
const onlyService = flags.includes("--only-service");

/** One router with `client` and `echo`, with or without the service. */
async function setup(service: boolean) {
  const router = new MessageRouter("p");
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-conv-prof-" });
  const kv = withKv ? await Deno.openKv(`${dir}/c.kv`) : undefined;
  const conv = service
    ? new ConversationService({
      router,
      isAgent: (n) => n === "echo",
      store: kv === undefined ? undefined : new ConversationKv(kv),
    })
    : undefined;
  if (conv !== undefined) {
    await conv.load();
    conv.attach();
    conv.restoreTrackers();
  }
  const replies: Delivery[] = [];
  router.register("echo", {
    deliver: (d) => {
      const m = d.message;
      const reply: AclMessage = {
        performative: "inform",
        sender: aid("echo@p"),
        receivers: [m.sender!],
        content: m.content,
        ...(m.protocol === undefined ? {} : { protocol: m.protocol }),
        ...(m.conversation_id === undefined ? {} : { conversation_id: m.conversation_id }),
        in_reply_to: m.reply_with,
      };
      replies.push({
        message_id: newMessageId(),
        message: reply,
        accepted_at: new Date().toISOString(),
        origin: "agent",
      });
    },
  });
  router.register("client", { deliver: () => {} });
  let n = 0;
  const pair = async () => {
    n++;
    const message: AclMessage = {
      performative: "request",
      sender: aid("client@p"),
      receivers: [aid("echo")],
      content: kind === "fipa" ? "ping" : SAMPLE_CONTENT,
      reply_with: `rw${n}`,
      ...(kind === "bare" ? {} : { conversation_id: `c${n}` }),
      ...(kind === "fipa" ? { protocol: "fipa-request" } : {}),
    } as AclMessage;
    await router.route({
      message_id: newMessageId(),
      message,
      accepted_at: new Date().toISOString(),
      origin: "http",
    });
    await router.route(replies.pop()!);
  };
  const stop = async () => {
    await conv?.flush();
    conv?.close();
    kv?.close();
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  };
  return { pair, stop };
}

/**
 * CPU µs per pair of `rounds` rounds of `pairs` pairs, 64 loops in flight. Each loop lets
 * the event loop turn every {@link TURN_EVERY} pairs, as requests arriving over HTTP do: a
 * loop of promises alone never lets a timer fire, so the service's lingering KV write would
 * run only once the round is over (uncounted).
 */
async function measure(pair: () => Promise<void>, count: number): Promise<number> {
  const c0 = process.cpuUsage();
  const per = Math.ceil(count / 64);
  await Promise.all(Array.from({ length: 64 }, async () => {
    for (let i = 0; i < per; i++) {
      await pair();
      if (i % TURN_EVERY === TURN_EVERY - 1) await new Promise((r) => setTimeout(r, 0));
    }
  }));
  const c = process.cpuUsage(c0);
  return (c.user + c.system) / (per * 64);
}

/** Pairs of one loop between two turns of the event loop. */
const TURN_EVERY = 16;
const variants = onlyService ? [true] : [false, true];
const setups = await Promise.all(variants.map((s) => setup(s)));
const samples: number[][] = variants.map(() => []);
for (const s of setups) await measure(s.pair, Math.min(pairs, 5000));
for (let r = 0; r < rounds; r++) {
  for (let i = 0; i < setups.length; i++) samples[i].push(await measure(setups[i].pair, pairs));
}
for (const s of setups) await s.stop();
const load = (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ");
const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], med: s[Math.floor(s.length / 2)] };
};
const out = variants.map((svc, i) => {
  const { min, med } = stat(samples[i]);
  return `${svc ? (withKv ? "service+kv" : "service") : "no service"} ${min.toFixed(2)} / ${
    med.toFixed(2)
  }`;
});
const extra = variants.length === 2
  ? `; service costs ${(stat(samples[1]).min - stat(samples[0]).min).toFixed(2)} (min) / ${
    (stat(samples[1]).med - stat(samples[0]).med).toFixed(2)
  } (median) µs per pair`
  : "";
console.log(
  `${kind}: CPU µs per pair (min / median of ${rounds}): ${out.join(", ")}${extra}; load ${load}`,
);
