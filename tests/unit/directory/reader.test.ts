import assert from "node:assert/strict";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  createDirectoryState,
  dfTemplate,
  directoryReader,
} from "../../../runtime/directory/mod.ts";
import { findServices, ServicesQuery } from "../../../runtime/http/services-query.ts";
import { at, dfRegister, mustApply, reg, registerAgent } from "./fixtures.ts";

/** This platform is `p` (alias `node-a`): its agents are keyed by local name. */
const localName = (n: string) => {
  const [local, platform] = n.split("@");
  return platform === undefined || platform === "p" || platform === "node-a" ? local : undefined;
};

function directory() {
  const state = createDirectoryState();
  mustApply(state, registerAgent("echo"));
  mustApply(state, dfRegister(reg("echo", "echoing")));
  mustApply(state, dfRegister(reg("buyer@other", "buying")));
  return directoryReader(state, { localName });
}

Deno.test("the reader keys this platform's full names as local names, others' as given", () => {
  const d = directory();
  assert.equal(d.key("echo@p"), "echo");
  assert.equal(d.key("echo@node-a"), "echo");
  assert.equal(d.key("echo"), "echo");
  assert.equal(d.key("buyer@other"), "buyer@other");
  assert.equal(d.getAgent("echo@p")?.name, "echo");
  assert.equal(d.getRegistration("echo@p")?.name.name, "echo");
  assert.equal(d.getRegistration("echo@other"), undefined);
  const byName = (name: string) => d.searchServices(dfTemplate({ name: aid(name) }));
  assert.deepEqual(byName("echo@p").map((f) => f.name.name), ["echo"]);
  assert.deepEqual(byName("buyer@other").map((f) => f.name.name), ["buyer@other"]);
  assert.deepEqual(byName("echo@other"), []);
});

Deno.test("a services query names an agent in full or local; the directory keys it", () => {
  const d = directory();
  for (const agent of ["echo", "echo@p"]) {
    const r = findServices(d, ServicesQuery.parse({ agent }), at());
    assert.deepEqual(r.services.map((f) => f.name.name), ["echo"], agent);
    assert.equal(r.total, 1);
  }
  const buying = findServices(d, ServicesQuery.parse({ type: "buying" }), at());
  assert.deepEqual(buying.services.map((f) => f.name.name), ["buyer@other"]);
});

Deno.test("without localName, names are keys as given", () => {
  const state = createDirectoryState();
  mustApply(state, registerAgent("echo"));
  const d = directoryReader(state);
  assert.equal(d.key("echo@p"), "echo@p");
  assert.equal(d.getAgent("echo@p"), undefined);
  assert.equal(d.getAgent("echo")?.name, "echo");
});
