import assert from "node:assert/strict";
import fc from "../../support/fast-check.ts";
import { aid } from "../../../runtime/acl/mod.ts";
import {
  createDirectoryState,
  type DfAgentDescription,
  dfAgentDescription,
  dfTemplate,
  type DirectoryState,
  findAgentsByService,
  LIFECYCLE_STATES,
  listAgents,
  matchesDfTemplate,
  searchServices,
  serviceDescription,
} from "../../../runtime/directory/mod.ts";
import { at, dfRegister, mustApply, registerAgent } from "./fixtures.ts";

const seller = dfAgentDescription(aid("seller@p"), {
  protocols: ["fipa-request", "fipa-contract-net"],
  ontologies: ["Trading"],
  languages: ["fipa-sl0"],
  services: [
    serviceDescription({
      name: "books",
      type: "selling",
      protocols: ["FIPA-Request"],
      ownership: "acme",
      properties: [{ name: "currency", value: "EUR" }, { name: "max", value: 12 }],
    }),
    serviceDescription({ name: "maps", type: "selling" }),
  ],
});

Deno.test("df matching: absent template fields match anything", () => {
  assert.ok(matchesDfTemplate(dfTemplate(), seller));
  assert.ok(matchesDfTemplate(dfTemplate({ services: [serviceDescription()] }), seller));
});

Deno.test("df matching: sets match as subsets, FIPA names ignoring case", () => {
  assert.ok(matchesDfTemplate(dfTemplate({ protocols: ["FIPA-REQUEST"] }), seller));
  assert.ok(
    matchesDfTemplate(dfTemplate({ protocols: ["fipa-request", "fipa-contract-net"] }), seller),
  );
  assert.ok(!matchesDfTemplate(dfTemplate({ protocols: ["fipa-request", "fipa-query"] }), seller));
  assert.ok(!matchesDfTemplate(dfTemplate({ languages: ["fipa-sl2"] }), seller));
});

Deno.test("df matching: each template service must match one service field by field", () => {
  const t = (fields: Parameters<typeof serviceDescription>[0]) =>
    matchesDfTemplate(dfTemplate({ services: [serviceDescription(fields)] }), seller);
  assert.ok(t({ type: "selling" }));
  assert.ok(t({ type: "selling", name: "maps" }));
  assert.ok(!t({ type: "Selling" }), "service type is exact");
  assert.ok(!t({ name: "maps", ownership: "acme" }), "fields must hold in the same service");
  assert.ok(t({ name: "books", ownership: "acme", protocols: ["fipa-request"] }));
  assert.ok(t({ properties: [{ name: "currency", value: "EUR" }] }));
  assert.ok(!t({ properties: [{ name: "currency", value: "USD" }] }));
  assert.ok(!t({ properties: [{ name: "max", value: "12" }] }), "values compare by type");
  assert.ok(
    matchesDfTemplate(
      dfTemplate({
        services: [serviceDescription({ name: "books" }), serviceDescription({ name: "maps" })],
      }),
      seller,
    ),
  );
  assert.ok(!matchesDfTemplate(dfTemplate({ name: aid("other@p") }), seller));
});

function populated(n: number): DirectoryState {
  const s = createDirectoryState();
  const types = ["selling", "buying", "weather", "routing"];
  for (let i = 0; i < n; i++) {
    const name = `agent-${String(i).padStart(5, "0")}@p`;
    mustApply(
      s,
      dfRegister(dfAgentDescription(aid(name), {
        protocols: i % 3 === 0 ? ["fipa-request"] : [],
        services: [
          serviceDescription({ name: `svc-${i % 10}`, type: types[i % 4] }),
          ...(i % 5 === 0 ? [serviceDescription({ name: "extra", type: "weather" })] : []),
        ],
      })),
    );
  }
  return s;
}

Deno.test("df search: 10k registrations, indexed results equal a full scan", () => {
  const s = populated(10_000);
  const all = [...s.registrations.values()];
  const naive = (t: ReturnType<typeof dfTemplate>, max = Infinity) =>
    all.filter((d) => matchesDfTemplate(t, d)).map((d) => d.name.name).sort().slice(0, max);
  const names = (ds: DfAgentDescription[]) => ds.map((d) => d.name.name);

  const byType = dfTemplate({ services: [serviceDescription({ type: "weather" })] });
  const found = searchServices(s, byType);
  assert.equal(found.length, 2500 + 2000 - 500); // type weather, or an "extra" service
  assert.deepEqual(names(found), naive(byType));

  const both = dfTemplate({
    protocols: ["fipa-request"],
    services: [serviceDescription({ type: "selling", name: "svc-4" })],
  });
  assert.deepEqual(names(searchServices(s, both)), naive(both));
  assert.deepEqual(names(searchServices(s, both, { max_results: 3 })), naive(both, 3));
  assert.deepEqual(
    searchServices(s, dfTemplate({ services: [serviceDescription({ type: "x" })] })),
    [],
  );
  assert.deepEqual(searchServices(s, dfTemplate(), { max_results: 0 }), []);
  assert.equal(searchServices(s, dfTemplate(), { max_results: -1 }).length, 10_000);
  assert.deepEqual(
    names(searchServices(s, dfTemplate(), { max_results: 2 })),
    ["agent-00000@p", "agent-00001@p"],
  );
  assert.deepEqual(
    names(searchServices(s, dfTemplate({ name: aid("agent-00042@p") }))),
    ["agent-00042@p"],
  );

  const template = fc.record({
    protocols: fc.constantFrom<string[][]>([], ["fipa-request"]),
    services: fc.array(
      fc.record({
        name: fc.option(fc.constantFrom("svc-1", "svc-2", "extra", "nope"), { nil: undefined }),
        type: fc.option(fc.constantFrom("selling", "weather", "buying"), { nil: undefined }),
      }, { noNullPrototype: true }).map((f) => {
        const sd = serviceDescription(f);
        if (sd.name === undefined) delete sd.name;
        if (sd.type === undefined) delete sd.type;
        return sd;
      }),
      { maxLength: 2 },
    ),
    max: fc.option(fc.integer({ min: 0, max: 20 }), { nil: undefined }),
  }, { noNullPrototype: true });
  fc.assert(
    fc.property(template, ({ max, ...t }) => {
      const tpl = dfTemplate(t);
      assert.deepEqual(
        names(searchServices(s, tpl, { max_results: max })),
        naive(tpl, max ?? Infinity),
      );
    }),
    { numRuns: 60 },
  );
});

Deno.test("df search: expired leases are hidden when `now` is given", () => {
  const s = createDirectoryState();
  mustApply(s, dfRegister(dfAgentDescription(aid("a@p"), { lease_time: at(10) })));
  mustApply(s, dfRegister(dfAgentDescription(aid("b@p"))));
  assert.equal(searchServices(s, dfTemplate()).length, 2);
  assert.deepEqual(
    searchServices(s, dfTemplate(), { now: at(10) }).map((d) => d.name.name),
    ["b@p"],
  );
});

Deno.test("find-agents-by-service: by name or type, in name order", () => {
  const s = populated(40);
  const byType = findAgentsByService(s, "routing");
  assert.equal(byType.length, 10);
  assert.equal(byType[0].name, "agent-00003@p");
  assert.deepEqual(findAgentsByService(s, "svc-7").map((a) => a.name), [
    "agent-00007@p",
    "agent-00017@p",
    "agent-00027@p",
    "agent-00037@p",
  ]);
  assert.equal(findAgentsByService(s, "extra").length, 8);
  assert.deepEqual(
    findAgentsByService(s, { name: "svc-1", type: "buying" }).map((a) => a.name),
    ["agent-00001@p", "agent-00021@p"],
  );
  assert.deepEqual(findAgentsByService(s, { name: "svc-1", type: "selling" }), []);
  assert.equal(findAgentsByService(s, "weather", { max_results: 2 }).length, 2);
  assert.deepEqual(findAgentsByService(s, "nothing"), []);
});

Deno.test("agents: list with node/state filters and paging", () => {
  const s = createDirectoryState();
  for (let i = 0; i < 25; i++) {
    mustApply(s, registerAgent(`a${String(i).padStart(2, "0")}@p`, i % 2 ? "node-b" : "node-a"));
  }
  for (let i = 0; i < 25; i += 5) {
    mustApply(s, {
      type: "agent.set-state",
      name: `a${String(i).padStart(2, "0")}@p`,
      state: "hibernated",
      at: at(1),
    });
  }
  const first = listAgents(s, { limit: 10 });
  assert.equal(first.total, 25);
  assert.equal(first.next_offset, 10);
  assert.equal(first.agents[0].name, "a00@p");
  const last = listAgents(s, { offset: 20, limit: 10 });
  assert.equal(last.agents.length, 5);
  assert.equal(last.next_offset, undefined);
  const onB = listAgents(s, { node: "node-b", limit: 100 });
  assert.equal(onB.total, 12);
  assert.ok(onB.agents.every((a) => a.node === "node-b"));
  const hibernatedOnA = listAgents(s, { node: "node-a", state: "hibernated" });
  assert.deepEqual(hibernatedOnA.agents.map((a) => a.name), ["a00@p", "a10@p", "a20@p"]);
  assert.equal(listAgents(s, { node: "node-zz" }).total, 0);
  assert.equal(listAgents(s, { state: LIFECYCLE_STATES[0] }).total, 0);
});
