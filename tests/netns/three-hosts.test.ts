// Three hosts in network namespaces (one bridge, addresses 10.77.X.1-3) each run a node;
// they join one cluster over libp2p on those addresses, agents are deployed on two of them,
// and messages cross between all three. The test talks to the nodes over the bridge from
// the root namespace. Needs root and iproute2: in CI (CI=true) their absence fails the
// test; elsewhere it is skipped with the reason.
import assert from "node:assert/strict";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { FipaEdgeClient } from "../../client/mod.ts";
import { type HostNode, type Lab, makeLab, netnsUnavailable, startHostNode } from "./netns.ts";
import { pollUntil } from "../../runtime/async/mod.ts";

const why = await netnsUnavailable();
const ci = Deno.env.get("CI") === "true";
if (why) console.warn(`netns three-hosts test: ${ci ? "FAILING (CI)" : "SKIPPED"}: ${why}`);

const ROOT = new URL("../../", import.meta.url).pathname;
const TOKEN = "netns-test-token-0123456789";

function waitFor<T>(what: string, ms: number, f: () => Promise<T | undefined>): Promise<T> {
  return pollUntil(what, f, { timeoutMs: ms, intervalMs: 100 });
}

Deno.test({
  name: `three hosts in network namespaces form one cluster and exchange messages${
    why ? ` (${ci ? "FAILED" : "skipped"}: ${why})` : ""
  }`,
  ignore: why !== undefined && !ci,
  async fn() {
    if (why) throw new Error(`cannot run the multi-host test in CI: ${why}`);
    // Modules must be cached before the nodes start: the namespaces have no way out.
    const cached = await new Deno.Command(Deno.execPath(), {
      args: ["cache", `${ROOT}main.ts`],
      cwd: ROOT,
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(cached.success, new TextDecoder().decode(cached.stderr));

    const dataRoot = await Deno.makeTempDir({ prefix: "fipa-edge-netns-" });
    let lab: Lab | undefined;
    const nodes: HostNode[] = [];
    try {
      lab = await makeLab(3);
      const [h1, h2, h3] = lab.hosts;
      const inSubnet = (a: string) => a.startsWith(`/ip4/${lab!.subnet.replace(/\.0\/24$/, ".")}`);
      const common = ["--platform", "edge", "--admin-token", TOKEN];

      const n1 = await startHostNode(h1, "host1", `${dataRoot}/host1`, common);
      nodes.push(n1);
      assert.equal(n1.url, `http://${h1.address}:8080`);
      const api1 = new FipaEdgeClient({ url: n1.url, token: TOKEN });
      // The join address comes from GET /api/v1/cluster on host 1, as the README says.
      const seed = await waitFor("host1 to lead", 20_000, async () => {
        const v = await api1.cluster();
        return v.leader === "host1" ? v.self.addresses[0] : undefined;
      });
      assert.ok(inSubnet(seed), seed);
      assert.match(
        seed,
        new RegExp(`^/ip4/${h1.address.replaceAll(".", "\\.")}/tcp/9001/p2p/12D3`),
      );

      const joined = await Promise.all([
        startHostNode(h2, "host2", `${dataRoot}/host2`, [...common, "--join", seed]),
        startHostNode(h3, "host3", `${dataRoot}/host3`, [...common, "--join", seed]),
      ]);
      nodes.push(...joined);
      const [api2, api3] = joined.map((n) => new FipaEdgeClient({ url: n.url, token: TOKEN }));

      const view = await waitFor("three voters", 30_000, async () => {
        const v = await api3.cluster();
        return v.voters.length === 3 ? v : undefined;
      });
      const members = view.members;
      assert.deepEqual(members.map((m) => m.id).sort(), ["host1", "host2", "host3"]);
      for (const m of members) {
        assert.ok(m.addresses.length > 0 && m.addresses.every(inSubnet), JSON.stringify(m));
      }

      // Deploy an echo agent on host 2 and one on host 3.
      const tiny = await watAgentBytes("tiny");
      for (const [api, name] of [[api2, "echo-2"], [api3, "echo-3"]] as const) {
        const v = await api.deploy(tiny, { name }, { filename: "tiny.wasm" });
        assert.equal(v.status, "running");
      }
      await waitFor("both agents in host1's directory", 10_000, async () => {
        const page = await api1.directory();
        const where = Object.fromEntries(page.agents.map((a) => [a.name, a.node]));
        return where["echo-2"] === "host2" && where["echo-3"] === "host3" ? true : undefined;
      });

      // Messages cross hosts: 1 → 2, 1 → 3, 3 → 2, 2 → 3, each answered.
      const pairs = [[api1, "echo-2"], [api1, "echo-3"], [api3, "echo-2"], [
        api2,
        "echo-3",
      ]] as const;
      for (const [api, to] of pairs) {
        const content = `hello ${to} via ${new URL(api.url).hostname}`;
        const { reply } = await api.sendAndWait(
          { performative: "request", sender: "tester", receiver: to, content },
          { timeoutMs: 15_000 },
        );
        assert.equal(reply.performative, "inform");
        assert.equal(reply.content, content);
        assert.equal(reply.sender, `${to}@edge`);
      }

      // A FIPA-string message to an agent on another host.
      const fipa = await api1.send(
        "(inform :sender (agent-identifier :name tester@edge) " +
          ':receiver (set (agent-identifier :name echo-3@edge)) :content "fire and forget")',
      );
      assert.equal(fipa.receivers[0].status, "forwarded");
      const agent = await waitFor("echo-3 to process 3 messages", 10_000, async () => {
        const a = await api3.agent("echo-3");
        return a.metrics.messages_processed >= 3 ? a : undefined;
      });
      assert.equal(agent.node, "host3");
    } catch (e) {
      for (const n of nodes) {
        console.error(`--- ${n.name} log (tail) ---\n${n.logs().slice(-3000)}`);
      }
      throw e;
    } finally {
      await Promise.all(nodes.map((n) => n.stop()));
      await lab?.destroy();
      await Deno.remove(dataRoot, { recursive: true }).catch(() => {});
    }
    // Nothing of the lab is left behind.
    const left =
      (await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" }).output())
        .stdout;
    assert.ok(!new TextDecoder().decode(left).includes(lab!.hosts[0].ns.slice(0, 8)));
  },
});
