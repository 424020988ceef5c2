// multipart/mixed: lenient reading (CRLF or LF, preamble/epilogue, header case, folding,
// quoted boundaries), limits, charsets, and build -> parse.
import assert from "node:assert/strict";
import {
  buildMultipart,
  decodeText,
  encodeLatin1,
  JADE_PREAMBLE,
  MtpError,
  parseMediaType,
  parseMultipart,
} from "../../../runtime/mtp/mod.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();
const text = (b: Uint8Array) => dec.decode(b);

function assertMtpError(fn: () => unknown, reason: string, pattern?: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof MtpError, `expected MtpError, got ${e}`);
    assert.equal(e.reason, reason);
    if (pattern) assert.match(e.message, pattern);
    return true;
  });
}

const CRLF_BODY = [
  "This is not part of the MIME multipart encoded message.",
  "--251D738450A171593A1583EB",
  "Content-Type: application/xml",
  "",
  "<envelope/>",
  "--251D738450A171593A1583EB",
  "Content-Type: application/text",
  "",
  '(inform :content "a")',
  "--251D738450A171593A1583EB--",
  "",
].join("\r\n");

Deno.test("parses JADE's layout: quoted boundary after ' ; ', preamble, CRLF", () => {
  const parts = parseMultipart(
    'multipart/mixed ; boundary="251D738450A171593A1583EB"',
    enc.encode(CRLF_BODY),
  );
  assert.equal(parts.length, 2);
  assert.equal(parts[0].contentType.type, "application/xml");
  assert.equal(text(parts[0].body), "<envelope/>");
  assert.equal(parts[1].contentType.type, "application/text");
  assert.equal(text(parts[1].body), '(inform :content "a")');
});

Deno.test("bare LF line ends, unquoted boundary, epilogue ignored", () => {
  const body = CRLF_BODY.replaceAll("\r\n", "\n") + "epilogue, ignored\n";
  const parts = parseMultipart(
    "Multipart/Mixed; boundary=251D738450A171593A1583EB",
    enc.encode(body),
  );
  assert.deepEqual(parts.map((p) => text(p.body)), ["<envelope/>", '(inform :content "a")']);
});

Deno.test("header names are case-insensitive, folded headers unfold, charset is read", () => {
  const body = "--b\r\nCONTENT-TYPE: application/text;\r\n charset=ISO-8859-1\r\nX-Other: 1\r\n" +
    "\r\nbody\r\n--b--";
  const [p] = parseMultipart("multipart/mixed; boundary=b", enc.encode(body));
  assert.equal(p.contentType.type, "application/text");
  assert.equal(p.contentType.params.charset, "ISO-8859-1");
  assert.equal(p.headers["x-other"], "1");
});

Deno.test("a part body keeps inner line breaks and text resembling the boundary", () => {
  const inner = "line1\r\n--bx not a delimiter\r\n\r\nline3\r\n";
  const body = `--b\r\nContent-Type: text/plain\r\n\r\n${inner}\r\n--b--\r\n`;
  const [p] = parseMultipart('multipart/mixed; boundary="b"', enc.encode(body));
  assert.equal(text(p.body), inner);
});

Deno.test("a part without headers defaults to text/plain", () => {
  const [p] = parseMultipart("multipart/mixed; boundary=b", enc.encode("--b\r\n\r\nhi\r\n--b--"));
  assert.equal(p.contentType.type, "text/plain");
  assert.equal(text(p.body), "hi");
});

Deno.test("refuses other content types, missing boundaries and unterminated bodies", () => {
  assertMtpError(() => parseMultipart(undefined, new Uint8Array()), "unsupported-media-type");
  assertMtpError(
    () => parseMultipart("application/json", new Uint8Array()),
    "unsupported-media-type",
    /'application\/json' is not multipart\/mixed/,
  );
  assertMtpError(
    () => parseMultipart("multipart/mixed", new Uint8Array()),
    "malformed-multipart",
    /no boundary/,
  );
  assertMtpError(
    () => parseMultipart("multipart/mixed; boundary=b", enc.encode("no delimiter here")),
    "malformed-multipart",
    /no delimiter --b/,
  );
  assertMtpError(
    () => parseMultipart("multipart/mixed; boundary=b", enc.encode("--b\r\n\r\ncut off")),
    "malformed-multipart",
    /no closing delimiter --b--/,
  );
  assertMtpError(
    () =>
      parseMultipart(
        "multipart/mixed; boundary=b",
        enc.encode("--b\r\nno colon\r\n\r\nx\r\n--b--"),
      ),
    "malformed-multipart",
    /header line without a name/,
  );
});

Deno.test("limits: body size, part count, header size", () => {
  const ct = "multipart/mixed; boundary=b";
  const body = enc.encode(CRLF_BODY.replaceAll("251D738450A171593A1583EB", "b"));
  assertMtpError(() => parseMultipart(ct, body, { maxBytes: 10 }), "too-large", /exceeds 10 bytes/);
  assertMtpError(() => parseMultipart(ct, body, { maxParts: 1 }), "too-large", /more than 1 parts/);
  const big = enc.encode(`--b\r\nX-Big: ${"a".repeat(200)}\r\n\r\nx\r\n--b--`);
  assertMtpError(() => parseMultipart(ct, big, { maxHeaderBytes: 64 }), "too-large", /headers/);
  assert.equal(parseMultipart(ct, body).length, 2);
});

Deno.test("parseMediaType reads quoted values with escapes and lowercases names", () => {
  assert.deepEqual(parseMediaType('Multipart/Mixed ; Boundary="a \\"b\\"" ; x=1'), {
    type: "multipart/mixed",
    params: { boundary: 'a "b"', x: "1" },
  });
  assert.deepEqual(parseMediaType("fipa.acl.rep.string.std; charset=US-ASCII"), {
    type: "fipa.acl.rep.string.std",
    params: { charset: "US-ASCII" },
  });
});

Deno.test("build -> parse gives back the parts; JADE preamble and quoted boundary", () => {
  const latin1 = encodeLatin1("caf\u00e9 (\u00e0 la carte)")!;
  const built = buildMultipart("b0-1", [
    { contentType: "application/xml", body: "<envelope/>" },
    { contentType: "application/text; charset=ISO-8859-1", body: latin1 },
  ]);
  assert.equal(built.contentType, 'multipart/mixed ; boundary="b0-1"');
  const raw = text(built.body);
  assert.ok(raw.startsWith(`${JADE_PREAMBLE}\r\n--b0-1\r\nContent-Type: application/xml\r\n\r\n`));
  assert.ok(raw.endsWith("\r\n--b0-1--\r\n"));
  const parts = parseMultipart(built.contentType, built.body);
  assert.equal(text(parts[0].body), "<envelope/>");
  assert.deepEqual(parts[1].body, latin1);
  assert.equal(
    decodeText(parts[1].body, parts[1].contentType.params.charset),
    "caf\u00e9 (\u00e0 la carte)",
  );
});

Deno.test("build refuses a boundary that occurs in a part or is invalid", () => {
  assert.throws(
    () => buildMultipart("b", [{ contentType: "text/plain", body: "x\r\n--b\r\n" }]),
    RangeError,
  );
  assert.throws(() => buildMultipart("bad\nboundary", []), RangeError);
});

Deno.test("decodeText honours UTF-8 and Latin-1, falls back when undeclared, refuses others", () => {
  const utf8 = enc.encode("\u00e9\u20ac");
  const latin = new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x80]);
  assert.equal(decodeText(utf8, "UTF-8"), "\u00e9\u20ac");
  assert.equal(decodeText(utf8, "utf8"), "\u00e9\u20ac");
  assert.equal(decodeText(latin, "ISO-8859-1"), "caf\u00e9\u0080"); // true Latin-1, not cp1252
  assert.equal(decodeText(latin, "latin1"), "caf\u00e9\u0080");
  assert.equal(decodeText(latin, "US-ASCII"), "caf\u00e9\u0080");
  assert.equal(decodeText(utf8), "\u00e9\u20ac");
  assert.equal(decodeText(latin), "caf\u00e9\u0080");
  assertMtpError(() => decodeText(latin, "UTF-8"), "malformed-payload", /not valid UTF-8/);
  assertMtpError(() => decodeText(latin, "EBCDIC"), "unsupported-charset", /'EBCDIC'/);
});
