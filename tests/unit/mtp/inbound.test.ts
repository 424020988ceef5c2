// Inbound HTTP MTP: a request as JADE writes it, part-type spellings, charsets, the envelope
// deciding the receivers, and the HTTP status for every refusal.
import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  buildEnvelopeXml,
  encodeLatin1,
  ENVELOPE_PART_TYPES,
  MtpError,
  mtpFailureStatus,
  mtpResponse,
  parseHttpMtpRequest,
  PAYLOAD_PART_TYPES,
} from "../../../runtime/mtp/mod.ts";
import { ApiError } from "../../../runtime/errors/mod.ts";
import { CORPUS } from "../../support/corpus.ts";

const read = (p: string) => Deno.readFileSync(new URL(p, CORPUS));
const enc = new TextEncoder();

/** A body laid out byte for byte as JADE's HTTPIO.createHTTPBody writes it. */
function jadeBody(
  boundary: string,
  envelope: Uint8Array | string,
  payload: Uint8Array | string,
  envType = "application/xml",
  payloadType = "application/text",
): Uint8Array {
  const b = (x: Uint8Array | string) => typeof x === "string" ? enc.encode(x) : x;
  const chunks = [
    enc.encode(`This is not part of the MIME multipart encoded message.\r\n--${boundary}\r\n`),
    enc.encode(`Content-Type: ${envType}\r\n\r\n`),
    b(envelope),
    enc.encode(`\r\n--${boundary}\r\nContent-Type: ${payloadType}\r\n\r\n`),
    b(payload),
    enc.encode(`\r\n--${boundary}--\r\n`),
  ];
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) out.set(c, at), at += c.length;
  return out;
}

const JADE_CT = 'multipart/mixed ; boundary="251D738450A171593A1583EB"';
const B = "251D738450A171593A1583EB";

function envelopeFor(extra: Parameters<typeof buildEnvelopeXml>[0] = {}) {
  return buildEnvelopeXml({
    to: [aid("echo@node-a", ["http://node-a:8080/acc"])],
    from: aid("alice@jade", ["http://jade:7778/acc"]),
    acl_representation: "fipa.acl.rep.string.std",
    date: "2026-11-21T07:42:19.961Z",
    ...extra,
  });
}
const INFORM = "(inform :sender (agent-identifier :name alice@jade) " +
  ':receiver (set (agent-identifier :name somebody-else@x)) :content "hello")';

function assertRefused(fn: () => unknown, reason: string, status: number, pattern?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MtpError, `expected MtpError, got ${e}`);
    assert.equal(e.reason, reason);
    assert.equal(mtpFailureStatus(e), status);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

Deno.test("a JADE request built from the corpus envelope and message is accepted", () => {
  const envelope = read("http-mtp/awap-jade-envelope.xml");
  const payload = read("acl-string/valid/awap-jade-request-get-description.acl");
  const m = parseHttpMtpRequest(JADE_CT, jadeBody(B, envelope, payload));
  assert.equal(m.payload, new TextDecoder().decode(payload));
  assert.equal(m.message.performative, "request");
  assert.equal(m.message.sender?.name, "rma@192.168.122.1:1099/JADE");
  assert.equal(m.message.conversation_id, "C1438784720_1435754381566");
  assert.deepEqual(m.receivers, [aid("test", ["http://localhost:9000"])]);
  assert.equal(m.effective.date, "2015-07-01T14:39:41.567Z");
  // The corpus envelope says 488 bytes for a 484-byte message: tolerated, reported.
  assert.deepEqual(m.warnings, [
    "payload-length 488 differs from the 484 payload bytes received",
  ]);
});

Deno.test("every accepted part-type spelling works, LF-only too", () => {
  for (const envType of ENVELOPE_PART_TYPES) {
    for (const payloadType of PAYLOAD_PART_TYPES) {
      const body = jadeBody(B, envelopeFor(), INFORM, envType, payloadType);
      assert.equal(parseHttpMtpRequest(JADE_CT, body).message.content, "hello", envType);
    }
  }
  const lf = new TextDecoder().decode(jadeBody(B, envelopeFor(), INFORM)).replaceAll("\r\n", "\n");
  assert.equal(parseHttpMtpRequest(JADE_CT, enc.encode(lf)).message.content, "hello");
});

Deno.test("the envelope decides the receivers: to, overridden by the latest intended-receiver", () => {
  const toOnly = parseHttpMtpRequest(JADE_CT, jadeBody(B, envelopeFor(), INFORM));
  assert.deepEqual(toOnly.receivers, [aid("echo@node-a", ["http://node-a:8080/acc"])]);
  assert.deepEqual(toOnly.message.receivers.map((r) => r.name), ["somebody-else@x"]);

  const twoHops = buildEnvelopeXml({
    params: [
      { index: 1, to: [aid("echo@node-a")], intended_receiver: [aid("first@node-a")] },
      { index: 2, intended_receiver: [aid("second@node-a"), aid("third@node-a")] },
    ],
  });
  const m = parseHttpMtpRequest(JADE_CT, jadeBody(B, twoHops, INFORM));
  assert.deepEqual(m.receivers.map((r) => r.name), ["second@node-a", "third@node-a"]);
});

Deno.test("charsets: the part's charset, else payload-encoding, else UTF-8 then Latin-1", () => {
  const text = INFORM.replace("hello", "d\u00e9j\u00e0 vu");
  const latin = encodeLatin1(text)!;
  const utf8 = enc.encode(text);
  const cases: [Uint8Array, string, string | undefined][] = [
    [latin, "application/text; charset=ISO-8859-1", undefined],
    [latin, "fipa.acl.rep.string.std; charset=latin1", undefined],
    [latin, "application/text", "ISO-8859-1"], // from the envelope
    [latin, "application/text", undefined], // undeclared, not UTF-8: Latin-1
    [utf8, "application/text; charset=UTF-8", undefined],
    [utf8, "application/text", "UTF-8"],
    [utf8, "application/text", undefined], // undeclared, valid UTF-8
  ];
  for (const [payload, type, encoding] of cases) {
    const env = envelopeFor(encoding ? { payload_encoding: encoding } : {});
    const m = parseHttpMtpRequest(JADE_CT, jadeBody(B, env, payload, "application/xml", type));
    assert.equal(m.message.content, "d\u00e9j\u00e0 vu", `${type} / ${encoding}`);
  }
  assertRefused(
    () =>
      parseHttpMtpRequest(
        JADE_CT,
        jadeBody(B, envelopeFor(), latin, "application/xml", "application/text; charset=UTF-8"),
      ),
    "malformed-payload",
    400,
  );
  assertRefused(
    () =>
      parseHttpMtpRequest(
        JADE_CT,
        jadeBody(B, envelopeFor(), utf8, "application/xml", "application/text; charset=koi8-r"),
      ),
    "unsupported-charset",
    415,
  );
});

Deno.test("refusals carry the status SC00084 asks for", () => {
  const ok = (env = envelopeFor(), payload = INFORM) => jadeBody(B, env, payload);
  assertRefused(() => parseHttpMtpRequest("text/plain", ok()), "unsupported-media-type", 415);
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, jadeBody(B, envelopeFor(), INFORM, "application/json")),
    "unsupported-media-type",
    415,
    /Envelope part type 'application\/json'/,
  );
  assertRefused(
    () =>
      parseHttpMtpRequest(
        JADE_CT,
        jadeBody(
          B,
          envelopeFor(),
          INFORM,
          "application/xml",
          "application/fipa.acl.rep.bitefficient.std",
        ),
      ),
    "unsupported-media-type",
    415,
  );
  assertRefused(
    () =>
      parseHttpMtpRequest(
        JADE_CT,
        ok(envelopeFor({ acl_representation: "fipa.acl.rep.bitefficient.std" })),
      ),
    "unsupported-representation",
    415,
    /bitefficient/,
  );
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, ok(envelopeFor({ to: undefined }))),
    "malformed-envelope",
    400,
    /no receiver/,
  );
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, ok("<envelope><params index='1'><to></params>")),
    "malformed-envelope",
    400,
  );
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, ok(envelopeFor(), "(inform :content")),
    "malformed-payload",
    400,
  );
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, ok(), { limits: { maxBytes: 100 } }),
    "too-large",
    413,
  );
  const three = `--${B}\r\n\r\na\r\n--${B}\r\n\r\nb\r\n--${B}\r\n\r\nc\r\n--${B}--`;
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, enc.encode(three)),
    "malformed-multipart",
    400,
    /expected 2 parts/,
  );
});

Deno.test("a relative :reply-by is resolved against the arrival time given", () => {
  const relative = INFORM.replace(":content", ":reply-by +00000000T000100000 :content");
  const body = jadeBody(B, envelopeFor(), relative);
  const now = Date.parse("2026-11-21T07:42:19.961Z");
  assert.equal(
    parseHttpMtpRequest(JADE_CT, body, { now }).message.reply_by,
    "2026-11-21T07:43:19.961Z",
  );
  assertRefused(() => parseHttpMtpRequest(JADE_CT, body), "malformed-payload", 400);
});

Deno.test("parts with a non-identity transfer encoding are refused", () => {
  const body = new TextDecoder().decode(jadeBody(B, envelopeFor(), INFORM)).replace(
    "Content-Type: application/text\r\n",
    "Content-Type: application/text\r\nContent-Transfer-Encoding: base64\r\n",
  );
  assertRefused(
    () => parseHttpMtpRequest(JADE_CT, enc.encode(body)),
    "unsupported-media-type",
    415,
    /base64/,
  );
});

Deno.test("mtpFailureStatus and mtpResponse", async () => {
  assert.equal(mtpFailureStatus(new ApiError("UNAVAILABLE", "busy")), 503);
  assert.equal(mtpFailureStatus(new Error("boom")), 500);
  const ok = mtpResponse();
  assert.equal(ok.status, 200);
  assert.equal(await ok.text(), "");
  const refused = mtpResponse(new MtpError("malformed-envelope", "Invalid envelope: x\ny"));
  assert.equal(refused.status, 400);
  assert.equal(await refused.text(), "Invalid envelope: x y");
  const internal = mtpResponse(new Error("secret stack detail"));
  assert.equal(internal.status, 500);
  assert.equal(await internal.text(), "internal error");
});
