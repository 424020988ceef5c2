/**
 * What one `postMessage` between the node and a Worker costs, by the form of what it carries:
 * the sandbox's real call (node → Worker, ~735 bytes as JSON) and reply (Worker → node,
 * ~730 bytes) of a send-and-wait to the tiny echo, posted as the object (structured clone),
 * as JSON text (what the sandbox posts: stringified by the sender, parsed by the receiver), as
 * the same text made once and never parsed (`text`: what carrying ~730 bytes costs alone), as
 * bytes copied or transferred, and a 1-character string (`tiny`: the fixed cost of a post,
 * whatever it carries).
 *
 * Two modes per form: `burst` (the node posts N messages in a row and the Worker only counts
 * them: the cost of the post alone, per thread) and `ping` (one message in flight, the Worker
 * answers each in the same form: a round trip, as a call is). CPU is read per thread from
 * `/proc/thread-self/schedstat` (ns on CPU, and ns runnable but waiting for a CPU), so the
 * figures do not count time the thread spent descheduled on a loaded machine.
 * Run: `deno run -A bench/worker-post.ts [n] [rounds]`.
 * @module
 */
import { summarize } from "./lib/stats.ts";

/** The call the node posted for one send-and-wait to `echo` (captured, ids kept). */
const CALL = {
  t: "call",
  id: 4,
  slot: 1,
  fn: "handle",
  message: {
    messageId: "msg_f7386df598094259b309e998fc461d6d",
    performative: "request",
    receivers: [{ name: "echo", addresses: [], resolvers: [] }],
    replyTo: [],
    userParams: [],
    sender: { name: "http-2948d644@bench", addresses: [], resolvers: [] },
    content: {
      tag: "json",
      val: JSON.stringify({
        action: "process",
        data: { key: "value", list: [1, 2, 3], text: "x".repeat(200) },
      }),
    },
    language: "json",
    conversationId: "conv_523a41bdd7244a1f8d1b1ff9e448d9c4",
    replyWith: "rw_52c8e3bddca9434b94b6bcc72e969bc0",
  },
};

/** The call as JSON text, made once (the `text` form: the transport alone, no JSON work). */
const CALL_JSON = JSON.stringify(CALL);

/** The Worker's reply to it (captured). */
const REPLY = {
  t: "done",
  id: 4,
  value: true,
  effects: [{
    t: "send",
    message: {
      performative: "inform",
      sender: { name: "echo@bench", addresses: [], resolvers: [], user_params: {} },
      receivers: [{ name: "http-2948d644@bench", addresses: [], resolvers: [], user_params: {} }],
      content: {
        action: "process",
        data: { key: "value", list: [1, 2, 3], text: "x".repeat(200) },
      },
      language: "json",
      conversation_id: "conv_523a41bdd7244a1f8d1b1ff9e448d9c4",
      in_reply_to: "rw_52c8e3bddca9434b94b6bcc72e969bc0",
    },
    messageId: "8d4f4199-5cb9-4a5f-81b1-d599b2b6cb68",
  }],
};

/** How a message crosses (see the module's comment). */
export type Form = "object" | "json" | "text" | "bytes-copy" | "bytes-transfer" | "tiny";
/** Every form, the fixed cost (`tiny`) first. */
export const FORMS: Form[] = ["tiny", "text", "json", "object", "bytes-copy", "bytes-transfer"];

/**
 * The Worker: in `burst` it counts messages (decoding each as the node would) and answers
 * with its CPU once it has `n`; in `ping` it decodes each and answers with the reply in the
 * same form. It reports its own CPU (schedstat) on `{cpu: true}`.
 */
const WORKER_SRC = `
const REPLY = ${JSON.stringify(REPLY)};
const REPLY_JSON = JSON.stringify(REPLY);
const enc = new TextEncoder(), dec = new TextDecoder();
const cpu = () => Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ").map(Number);
let mode = "", form = "", left = 0;
function decode(d) {
  if (form === "json") return JSON.parse(d);
  if (form === "bytes-copy" || form === "bytes-transfer") return JSON.parse(dec.decode(d));
  return d;
}
function reply() {
  if (form === "tiny") return self.postMessage("x");
  if (form === "text") return self.postMessage(REPLY_JSON);
  if (form === "object") return self.postMessage(REPLY);
  if (form === "json") return self.postMessage(JSON.stringify(REPLY));
  const b = enc.encode(JSON.stringify(REPLY));
  if (form === "bytes-transfer") return self.postMessage(b, [b.buffer]);
  return self.postMessage(b);
}
self.onmessage = (e) => {
  const d = e.data;
  if (d && d.setup) { mode = d.mode; form = d.form; left = d.n; self.postMessage(cpu()); return; }
  if (d && d.cpu) { self.postMessage(cpu()); return; }
  decode(d);
  if (mode === "ping") reply();
  else if (--left === 0) self.postMessage(cpu());
};
`;

const enc = new TextEncoder();
const dec = new TextDecoder();

function threadCpu(): [number, number] {
  const [ran, waited] = Deno.readTextFileSync("/proc/thread-self/schedstat").split(" ").map(
    Number,
  );
  return [ran, waited];
}

function post(w: Worker, form: Form): void {
  if (form === "tiny") w.postMessage("x");
  else if (form === "text") w.postMessage(CALL_JSON);
  else if (form === "object") w.postMessage(CALL);
  else if (form === "json") w.postMessage(JSON.stringify(CALL));
  else {
    const b = enc.encode(JSON.stringify(CALL));
    if (form === "bytes-transfer") w.postMessage(b, [b.buffer]);
    else w.postMessage(b);
  }
}

function decodeReply(d: unknown, form: Form): unknown {
  if (form === "json") return JSON.parse(d as string);
  if (form === "bytes-copy" || form === "bytes-transfer") {
    return JSON.parse(dec.decode(d as Uint8Array));
  }
  return d;
}

/** One measured run: µs of CPU per message of each thread, and wall µs. */
export interface Run {
  form: Form;
  mode: "burst" | "ping";
  /** Node (main) thread CPU per message, µs (includes encoding, posting, and in ping decoding). */
  mainCpuUs: number;
  /** Time inside `postMessage` itself (wall, µs per post, main thread). */
  postUs: number;
  /** Worker thread CPU per message, µs. */
  workerCpuUs: number;
  /** Wall time per message (burst) or round trip p50 (ping), µs. */
  wallUs: number;
}

/** Measures `n` messages in form `form`: posted in a row (`burst`) or one at a time (`ping`). */
export async function measure(form: Form, mode: "burst" | "ping", n: number): Promise<Run> {
  const url = URL.createObjectURL(new Blob([WORKER_SRC], { type: "text/javascript" }));
  const w = new Worker(url, { type: "module" });
  let next: ((d: unknown) => void) | undefined;
  w.onmessage = (e) => {
    const f = next;
    next = undefined;
    f?.(e.data);
  };
  const ask = (send: () => void) =>
    new Promise<unknown>((r) => {
      next = r;
      send();
    });
  try {
    const w0 = await ask(() => w.postMessage({ setup: true, mode, form, n })) as number[];
    let postNs = 0;
    const [m0] = threadCpu();
    const t0 = performance.now();
    let wallUs: number;
    let w1: number[];
    if (mode === "burst") {
      const done = new Promise<unknown>((r) => (next = r));
      for (let i = 0; i < n; i++) {
        const p0 = performance.now();
        post(w, form);
        postNs += (performance.now() - p0) * 1e6;
      }
      w1 = await done as number[];
      wallUs = (performance.now() - t0) * 1000 / n;
    } else {
      const rt: number[] = [];
      for (let i = 0; i < n; i++) {
        const r0 = performance.now();
        const d = await ask(() => {
          const p0 = performance.now();
          post(w, form);
          postNs += (performance.now() - p0) * 1e6;
        });
        decodeReply(d, form);
        rt.push((performance.now() - r0) * 1000);
      }
      wallUs = summarize(rt).p50;
      w1 = await ask(() => w.postMessage({ cpu: true })) as number[];
    }
    const [m1] = threadCpu();
    return {
      form,
      mode,
      mainCpuUs: (m1 - m0) / 1000 / n,
      postUs: postNs / 1000 / n,
      workerCpuUs: (w1[0] - w0[0]) / 1000 / n,
      wallUs,
    };
  } finally {
    w.terminate();
    URL.revokeObjectURL(url);
  }
}

if (import.meta.main) {
  const n = Number(Deno.args[0] ?? 20_000);
  const rounds = Number(Deno.args[1] ?? 3);
  const load = () => Deno.readTextFileSync("/proc/loadavg").split(" ").slice(0, 3).join(" ");
  console.log(
    `payloads: call ${JSON.stringify(CALL).length} B, reply ${
      JSON.stringify(REPLY).length
    } B as JSON; n = ${n}; load ${load()}`,
  );
  // Warm up every path once.
  for (const f of FORMS) {
    await measure(f, "burst", 2000);
    await measure(f, "ping", 500);
  }
  for (const mode of ["burst", "ping"] as const) {
    console.log(
      `\n${mode} (median of ${rounds} rounds, µs per message${
        mode === "ping" ? " round trip" : ""
      })`,
    );
    console.log("form            main CPU  in postMessage  worker CPU  wall");
    for (const form of FORMS) {
      const runs: Run[] = [];
      for (let r = 0; r < rounds; r++) runs.push(await measure(form, mode, n));
      const med = (k: keyof Run) => summarize(runs.map((x) => x[k] as number)).p50;
      console.log(
        `${form.padEnd(15)} ${med("mainCpuUs").toFixed(1).padStart(8)}  ${
          med("postUs").toFixed(1).padStart(14)
        }  ${med("workerCpuUs").toFixed(1).padStart(10)}  ${med("wallUs").toFixed(1).padStart(5)}`,
      );
    }
  }
  console.log(`\nload ${load()}`);
}
