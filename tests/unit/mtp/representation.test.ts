import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  buildHttpMtpRequest,
  parseHttpMtpRequest,
  RepresentationChoice,
} from "../../../runtime/mtp/mod.ts";

const XML = "fipa.acl.rep.xml.std";
const STRING = "fipa.acl.rep.string.std";

Deno.test("representation per receiver: its own slot, else its platform's last, else string", () => {
  const choice = new RepresentationChoice(2);
  const buyer = aid("buyer@jade:1099/JADE", ["http://jade:7778/acc"]);
  assert.equal(choice.for(buyer), STRING);
  choice.seen(aid("seller@jade:1099/JADE"), XML);
  assert.equal(choice.for(buyer), XML);
  // The receiver's own preference wins; unknown values are ignored.
  assert.equal(choice.for({ ...buyer, user_params: { "x-acl-representation": STRING } }), STRING);
  assert.equal(choice.for({ ...buyer, user_params: { "X-acl-representation": "morse" } }), XML);
  // Bounded: the oldest platform is forgotten first.
  choice.seen(aid("a@p2"), XML);
  choice.seen(aid("a@p3"), XML);
  assert.equal(choice.for(buyer), STRING);
  // Names without a platform and unknown representations teach nothing.
  choice.seen(aid("bare"), XML);
  choice.seen(aid("x@p4"), "fipa.acl.rep.bitefficient.std");
  assert.equal(choice.for(aid("y@p4")), STRING);
});

Deno.test("an XML ACL message goes out and comes back in over the MTP codec", () => {
  const msg = {
    performative: "inform" as const,
    sender: aid("echo@beta"),
    receivers: [aid("buyer@jade:1099/JADE")],
    content: 'a < b & "c"',
    conversation_id: "c1",
    protocol: "fipa-request",
  };
  const req = buildHttpMtpRequest(msg, aid("buyer@jade:1099/JADE", ["http://jade:7778/acc"]), {
    date: new Date("2026-12-07T00:00:00Z"),
    boundary: "bx",
    platformAddresses: ["http://beta:8080/acc"],
    representation: XML,
  });
  assert.equal(req.envelope.acl_representation, XML);
  assert.ok(req.payload.startsWith("<?xml"));
  const got = parseHttpMtpRequest(req.headers["content-type"], req.body);
  assert.equal(got.representation, XML);
  assert.deepEqual(got.message, {
    ...msg,
    sender: aid("echo@beta", ["http://beta:8080/acc"]),
  });
});
