// The agent platform description served at GET /api/v1/platform.
import assert from "node:assert/strict";
import { apDescription, apDescriptionToSl } from "../../../runtime/mtp/mod.ts";

Deno.test("built from host and port: the HTTP MTP at /acc, representations, languages", () => {
  assert.deepEqual(apDescription({ name: "fipa-edge@node-a", host: "node-a", port: 8080 }), {
    name: "fipa-edge@node-a",
    ap_services: [{
      name: "fipa.mts.mtp.http.std",
      type: "fipa.mts.mtp.http.std",
      addresses: ["http://node-a:8080/acc"],
    }],
    acl_representations: ["fipa.acl.rep.string.std"],
    envelope_representations: ["fipa.mts.env.rep.xml.std"],
    content_languages: ["fipa-sl0", "fipa-sl"],
  });
});

Deno.test("explicit addresses, https, IPv6 hosts, custom path and languages", () => {
  const given = apDescription({
    name: "p",
    mtpAddresses: ["http://a:1/acc", "https://b/acc"],
    contentLanguages: ["fipa-sl", "json"],
  });
  assert.deepEqual(given.ap_services[0].addresses, ["http://a:1/acc", "https://b/acc"]);
  assert.deepEqual(given.content_languages, ["fipa-sl", "json"]);
  const v6 = apDescription({
    name: "p",
    host: "::1",
    port: 7778,
    scheme: "https",
    accPath: "/fipa",
  });
  assert.deepEqual(v6.ap_services[0].addresses, ["https://[::1]:7778/fipa"]);
});

Deno.test("bad configuration is refused naming the field", () => {
  assert.throws(() => apDescription({ name: "p" }), /host/);
  assert.throws(() => apDescription({ name: "p", host: "a", port: 70000 }), /port/);
  assert.throws(() => apDescription({ name: "p", mtpAddresses: ["ftp://a/acc"] }), /mtpAddresses/);
});

Deno.test("the SL form matches what a JADE AMS answers to get-description", () => {
  const sl = apDescriptionToSl(
    apDescription({ name: "192.168.122.1:1099/JADE", host: "h", port: 7778 }),
  );
  assert.equal(
    sl,
    '(ap-description :name "192.168.122.1:1099/JADE" :ap-services (sequence (ap-service ' +
      ":name fipa.mts.mtp.http.std :type fipa.mts.mtp.http.std :addresses (sequence " +
      "http://h:7778/acc))))",
  );
});
