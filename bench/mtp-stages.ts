/**
 * Where the CPU of one HTTP MTP exchange goes, stage by stage, in this process (no HTTP):
 * each codec stage the two nodes run for one exchange (the request out of alpha, into beta,
 * the reply out of beta, into alpha) timed on its own over many iterations, in µs of this
 * process's CPU time per call.
 * Run: `deno run -A bench/mtp-stages.ts [iterations]`.
 * @module
 */
import process from "node:process";
import { type AclMessage, aid, parseAclString, parseXml, toAclString } from "../runtime/acl/mod.ts";
import {
  buildEnvelopeXml,
  buildHttpMtpRequest,
  buildMultipart,
  decodeText,
  effectiveEnvelope,
  parseEnvelopeXml,
  parseHttpMtpRequest,
  parseMultipart,
} from "../runtime/mtp/mod.ts";

const n = Number(Deno.args[0] ?? 20_000);
const alphaAcc = "http://127.0.0.1:41001/acc";
const betaAcc = "http://127.0.0.1:41002/acc";
const receiver = aid("echo@beta", [betaAcc]);
/** The request of the `mtp` bench as alpha sends it (a send-and-wait's temporary sender). */
const request: AclMessage = {
  performative: "request",
  sender: aid("http-3f9a1c2e@alpha", [alphaAcc]),
  receivers: [receiver],
  content: "ping",
  conversation_id: "conv-5d1f2a3b-7c4e-4f60-9a8b-0c1d2e3f4a5b",
  reply_with: "rw-5d1f2a3b-7c4e-4f60-9a8b-0c1d2e3f4a5b",
};
const date = new Date();
const boundary = "fipa-edge-0123456789abcdef0123456789abcdef";

/** CPU time of this process so far, µs (wall time is noisy on a shared machine). */
function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

function time(name: string, fn: () => unknown): void {
  for (let i = 0; i < Math.min(2000, n); i++) fn(); // warm-up
  const t0 = cpuUs();
  for (let i = 0; i < n; i++) fn();
  const us = (cpuUs() - t0) / n;
  console.log(`${us.toFixed(2).padStart(8)} µs  ${name}`);
}

const built = buildHttpMtpRequest(request, receiver, { date, boundary });
const ct = built.headers["content-type"];
const parts = parseMultipart(ct, built.body);
const envText = decodeText(parts[0].body);
const envelope = parseEnvelopeXml(envText);
console.log(
  `body ${built.body.length} bytes, envelope ${envText.length} chars, payload ${built.payload.length} chars; load ${
    (await Deno.readTextFile("/proc/loadavg")).split(" ").slice(0, 3).join(" ")
  }`,
);
console.log("out (each node, once per exchange):");
time(
  "buildHttpMtpRequest (all of the below)",
  () => buildHttpMtpRequest(request, receiver, { date, boundary }),
);
time("  toAclString", () => toAclString(request));
time("  buildEnvelopeXml", () => buildEnvelopeXml(built.envelope));
time("  buildMultipart", () =>
  buildMultipart(boundary, [
    { contentType: "application/xml", body: envText },
    { contentType: "application/text; charset=UTF-8", body: built.payload },
  ]));
console.log("in (each node, once per exchange):");
time("parseHttpMtpRequest (all of the below)", () => parseHttpMtpRequest(ct, built.body));
time("  parseMultipart", () => parseMultipart(ct, built.body));
time("  decodeText (envelope)", () => decodeText(parts[0].body));
time("  parseEnvelopeXml (of which:)", () => parseEnvelopeXml(envText));
time("    parseXml", () => parseXml(envText));
time("  effectiveEnvelope", () => effectiveEnvelope(envelope));
time("  parseAclString", () => parseAclString(built.payload));
