/**
 * Outgoing HTTP for agents, served synchronously: an agent's call runs to completion on the
 * sandbox Worker's thread, so `http.fetch` hands the request to a helper Worker nested in
 * the sandbox Worker and blocks (`Atomics.wait`) on a shared buffer until the helper has
 * written the response there. The helper inherits the sandbox Worker's Deno permissions
 * (the agent's `net` grant): Deno refuses any other host even if the host check before it
 * had a bug. Redirects are not followed (the agent sees the 3xx and may fetch the new URL,
 * which is checked again).
 *
 * Shared buffer: Int32 words `owner` (the request waited for; 0 when given up, `-seq` once
 * the helper claimed it), `done` (the request answered), `status` (-1: an error), the
 * headers' and the body's byte lengths; then the headers as JSON and the body.
 * @module
 */

/** A request as `fipa:agent/http` gives it (jco: lists of tuples, bytes as Uint8Array). */
export interface HttpRequest {
  method: string;
  url: string;
  headers: [string, string][];
  body?: Uint8Array;
}

/** A complete response. */
export interface HttpResponse {
  status: number;
  headers: [string, string][];
  body: Uint8Array;
}

const OWNER = 0;
const DONE = 1;
const STATUS = 2;
const HEAD_LEN = 3;
const BODY_LEN = 4;
const HEADER_BYTES = 32;
/** Room for response headers (as JSON) in the shared buffer. */
const MAX_HEADER_BYTES = 64 * 1024;
/** Extra wait past a request's timeout for the helper's own timeout report. */
const REPORT_GRACE_MS = 50;

/** What the sandbox Worker sends the helper for one request. */
interface HelperJob {
  seq: number;
  sab: SharedArrayBuffer;
  inflight: SharedArrayBuffer;
  req: { method: string; url: string; headers: [string, string][]; body?: Uint8Array };
  timeoutMs: number;
  maxBytes: number;
}

/**
 * The helper Worker's program (run from its source text in a Blob: the sandbox Worker may
 * read no files). Self-contained: it must not refer to anything outside itself.
 */
function helperMain(): void {
  const enc = new TextEncoder();
  const post = (self as unknown as { postMessage(m: unknown): void }).postMessage.bind(self);
  /** Jobs whose request has ended (their in-flight place given back). */
  const ended = new Set<HelperJob>();
  /** Gives the job's in-flight place back, once: before the answer, so that the agent's next
   * request, checked as soon as the answer wakes it, never sees this one as in flight. */
  const end = (job: HelperJob) => {
    if (ended.has(job)) return;
    ended.add(job);
    Atomics.sub(new Int32Array(job.inflight), 0, 1);
  };
  const answer = (job: HelperJob, status: number, head: Uint8Array, body: Uint8Array) => {
    end(job);
    const w = new Int32Array(job.sab, 0, 8);
    if (Atomics.compareExchange(w, 0, job.seq, -job.seq) !== job.seq) return; // given up
    const data = new Uint8Array(job.sab, 32);
    data.set(head, 0);
    data.set(body, head.length);
    w[2] = status;
    w[3] = head.length;
    w[4] = body.length;
    Atomics.store(w, 1, job.seq);
    Atomics.notify(w, 1);
  };
  const tooLarge = (job: HelperJob) =>
    `response body of ${job.req.url} is larger than limits.http_response_bytes ` +
    `(${job.maxBytes} bytes)`;
  const fail = (job: HelperJob, message: string) =>
    answer(job, -1, new Uint8Array(0), enc.encode(message));
  (self as unknown as { onmessage: (e: MessageEvent<HelperJob>) => void }).onmessage = async (
    e,
  ) => {
    const job = e.data;
    try {
      const signal = AbortSignal.timeout(job.timeoutMs);
      let r: Response;
      try {
        r = await fetch(job.req.url, {
          method: job.req.method,
          headers: job.req.headers,
          body: job.req.body as BodyInit | undefined,
          redirect: "manual",
          signal,
        });
      } catch (err) {
        const name = (err as Error)?.name;
        fail(
          job,
          name === "TimeoutError"
            ? `request to ${job.req.url} timed out after ${job.timeoutMs} ms`
            : name === "NotCapable" || name === "PermissionDenied"
            ? `refused by the sandbox's Deno permissions: ${(err as Error).message}`
            : `request to ${job.req.url} failed: ${(err as Error)?.message ?? err}`,
        );
        return;
      }
      const head = enc.encode(JSON.stringify([...r.headers]));
      if (head.length > 64 * 1024) {
        await r.body?.cancel();
        fail(job, `response headers of ${job.req.url} are larger than 64 KiB`);
        return;
      }
      let body: Uint8Array;
      try {
        const declared = Number(r.headers.get("content-length") ?? NaN);
        if (declared > job.maxBytes) {
          await r.body?.cancel();
          fail(job, tooLarge(job));
          return;
        }
        if (declared >= 0) {
          // A declared length within the limit: one read (the runtime enforces the length).
          body = new Uint8Array(await r.arrayBuffer());
        } else {
          const parts: Uint8Array[] = [];
          let size = 0;
          for await (const chunk of r.body ?? []) {
            size += chunk.length;
            if (size > job.maxBytes) {
              fail(job, tooLarge(job));
              return;
            }
            parts.push(chunk);
          }
          body = new Uint8Array(size);
          let at = 0;
          for (const p of parts) {
            body.set(p, at);
            at += p.length;
          }
        }
      } catch (err) {
        fail(
          job,
          (err as Error)?.name === "TimeoutError"
            ? `request to ${job.req.url} timed out after ${job.timeoutMs} ms`
            : `reading the response of ${job.req.url} failed: ${(err as Error)?.message ?? err}`,
        );
        return;
      }
      if (body.length > job.maxBytes) {
        fail(job, tooLarge(job));
        return;
      }
      answer(job, r.status, head, body);
    } finally {
      end(job);
      ended.delete(job);
    }
  };
  post("ready");
}

/**
 * The sandbox Worker's side of outgoing HTTP: one helper Worker, started on first need,
 * and one shared buffer (grown to fit the largest response limit asked for).
 */
export class HttpBridge {
  #helper?: Worker;
  #ready?: Promise<void>;
  #sab?: SharedArrayBuffer;
  #seq = 0;

  /** Starts the helper Worker (before an agent that may fetch runs: a call cannot wait for it). */
  start(): Promise<void> {
    if (this.#ready) return this.#ready;
    const src = `(${helperMain.toString()})();`;
    const url = URL.createObjectURL(new Blob([src], { type: "text/javascript" }));
    const helper = new Worker(url, { type: "module" });
    this.#helper = helper;
    this.#ready = new Promise<void>((resolve, reject) => {
      helper.onmessage = () => {
        URL.revokeObjectURL(url);
        resolve();
      };
      helper.onerror = (e) => {
        e.preventDefault();
        reject(new Error(`http helper failed: ${e.message}`));
      };
    });
    return this.#ready;
  }

  /** Whether the helper has been started. */
  get started(): boolean {
    return this.#helper !== undefined;
  }

  /**
   * Sends a request and blocks until its response, an error, or `waitMs`.
   *
   * @param inflight the agent's in-flight counter (Int32 at 0), already incremented; the
   *   helper decrements it when the request ends, also after this call gave up on it
   * @returns the response, or an error message
   */
  fetch(
    req: HttpRequest,
    opts: { timeoutMs: number; maxBytes: number; inflight: SharedArrayBuffer },
  ): HttpResponse | { error: string } {
    if (!this.#helper) {
      Atomics.sub(new Int32Array(opts.inflight), 0, 1);
      return { error: "outgoing HTTP is not available in this sandbox Worker" };
    }
    const need = HEADER_BYTES + MAX_HEADER_BYTES + opts.maxBytes;
    if (!this.#sab || this.#sab.byteLength < need) this.#sab = new SharedArrayBuffer(need);
    const sab = this.#sab;
    const w = new Int32Array(sab, 0, 8);
    const seq = ++this.#seq;
    Atomics.store(w, DONE, 0);
    Atomics.store(w, OWNER, seq);
    const job: HelperJob = {
      seq,
      sab,
      inflight: opts.inflight,
      req: {
        method: req.method || "GET",
        url: req.url,
        headers: req.headers,
        ...(req.body ? { body: req.body.slice() } : {}),
      },
      timeoutMs: opts.timeoutMs,
      maxBytes: opts.maxBytes,
    };
    this.#helper.postMessage(job);
    const until = performance.now() + opts.timeoutMs + REPORT_GRACE_MS;
    for (;;) {
      if (Atomics.load(w, DONE) === seq) break;
      const left = until - performance.now();
      if (left <= 0) {
        if (Atomics.compareExchange(w, OWNER, seq, 0) === seq) {
          return { error: `request to ${req.url} timed out after ${opts.timeoutMs} ms` };
        }
        // The helper claimed it and is writing the answer: it is there in a moment.
        Atomics.wait(w, DONE, 0, 1000);
        if (Atomics.load(w, DONE) !== seq) return { error: `request to ${req.url} was lost` };
        break;
      }
      Atomics.wait(w, DONE, 0, left);
    }
    const status = w[STATUS];
    const headLen = w[HEAD_LEN];
    const bodyLen = w[BODY_LEN];
    const data = new Uint8Array(sab, HEADER_BYTES);
    if (status === -1) {
      return { error: new TextDecoder().decode(data.slice(headLen, headLen + bodyLen)) };
    }
    const headers = JSON.parse(new TextDecoder().decode(data.slice(0, headLen))) as [
      string,
      string,
    ][];
    return { status, headers, body: data.slice(headLen, headLen + bodyLen) };
  }
}
