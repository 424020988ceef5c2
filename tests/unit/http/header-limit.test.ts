// The request-header bound: how header bytes are counted.
import assert from "node:assert/strict";
import { headerBytes, MAX_HEADER_BYTES } from "../../../runtime/http/header-limit.ts";

Deno.test("header-limit: names, values and ': ' / CRLF framing are counted", () => {
  assert.equal(headerBytes(new Headers()), 0);
  assert.equal(headerBytes(new Headers({ a: "1", bb: "22" })), 1 + 1 + 4 + 2 + 2 + 4);
  const big = new Headers({ "x-big": "v".repeat(MAX_HEADER_BYTES) });
  assert.ok(headerBytes(big) > MAX_HEADER_BYTES);
});
