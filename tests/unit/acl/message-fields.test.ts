// The schema-free field rules a sandbox Worker checks (`message-fields.ts`) say what the
// model's schemas say: `isReplyBy` accepts exactly what `ReplyBySchema` accepts.
import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { isReplyBy, REPLY_BY_PATTERN, ReplyBySchema } from "../../../runtime/acl/message.ts";
import { arbReplyBy } from "../../support/acl-arbitraries.ts";

Deno.test("REPLY_BY_PATTERN is the pattern of ReplyBySchema", () => {
  assert.equal(REPLY_BY_PATTERN.source, ReplyBySchema._zod.def.pattern?.source);
});

Deno.test("isReplyBy accepts what ReplyBySchema accepts", () => {
  const samples = [
    "2026-11-21T10:15:00Z",
    "2026-11-21T10:15:00.123Z",
    "2026-11-21T10:15:00+02:00",
    "2026-11-21T10:15:00.000",
    "2026-11-21T10:15",
    "2024-02-29T00:00:00Z",
    "2023-02-29T00:00:00Z",
    "2026-13-01T00:00:00Z",
    "2026-11-21 10:15:00Z",
    "20261121T101500000",
    "tomorrow",
    "",
  ];
  for (const s of samples) {
    assert.equal(isReplyBy(s), ReplyBySchema.safeParse(s).success, s);
  }
  fc.assert(
    fc.property(fc.oneof(arbReplyBy, fc.string()), (s) => {
      assert.equal(isReplyBy(s), ReplyBySchema.safeParse(s).success, s);
    }),
    { numRuns: 500 },
  );
});
