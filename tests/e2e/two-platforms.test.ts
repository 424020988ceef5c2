// Two of our nodes configured as two FIPA platforms (`alpha`, `beta`): separate clusters,
// talking only through the HTTP MTP (`POST /acc`), as a JADE platform would talk to us.
import assert from "node:assert/strict";
import { type NodeProcess, spawnNode } from "../support/node-process.ts";

async function sendAndWait(node: NodeProcess, body: unknown, query = "") {
  const res = await fetch(
    `${node.url}/api/v1/messages/send-and-wait?timeout_ms=10000${query}`,
    {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    },
  );
  const json = await res.json();
  assert.equal(res.status, 200, JSON.stringify(json));
  return json;
}

async function twoPlatforms(): Promise<[NodeProcess, NodeProcess]> {
  const alpha = await spawnNode(["--name", "a1", "--platform", "alpha"], {}, {
    sampleAgents: true,
  });
  try {
    const beta = await spawnNode(["--name", "b1", "--platform", "beta"], {}, {
      sampleAgents: true,
    });
    return [alpha, beta];
  } catch (e) {
    await alpha.stop();
    throw e;
  }
}

Deno.test("two platforms over the HTTP MTP: requests, AMS search, unknown receivers", async () => {
  const [alpha, beta] = await twoPlatforms();
  try {
    const betaAcc = `${beta.url}/acc`;
    // 1. A request from alpha's API to beta's echo; the reply comes back over the MTP to
    //    the temporary sender, whose name is of alpha's platform (not its node's).
    const echoed = await sendAndWait(alpha, {
      performative: "request",
      receiver: { name: "echo@beta", addresses: [betaAcc] },
      content: "ping",
    });
    assert.equal(echoed.reply.performative, "inform");
    assert.equal(echoed.reply.content, "ping");
    const to = typeof echoed.reply.receiver === "string"
      ? echoed.reply.receiver
      : echoed.reply.receiver.name;
    assert.match(to, /^http-[0-9a-f]{8}@alpha$/);

    // 2. beta's AMS lists its agents with full names and beta's ACC address, its own AMS
    //    and DF included; a template with the full name finds echo.
    const ams = { name: "ams@beta", addresses: [betaAcc] };
    const search = (template: string) =>
      sendAndWait(alpha, {
        performative: "request",
        receiver: ams,
        language: "fipa-sl0",
        ontology: "FIPA-Agent-Management",
        protocol: "fipa-request",
        content: `((action (agent-identifier :name ams@beta) (search (ams-agent-description` +
          `${template}) (search-constraints :max-results -1))))`,
      }, "&wait_for=final");
    const all = await search("");
    assert.equal(all.reply.performative, "inform", JSON.stringify(all.reply));
    for (const n of ["ams@beta", "df@beta", "echo@beta"]) {
      assert.ok(all.reply.content.includes(`:name ${n}`), all.reply.content);
    }
    assert.ok(all.reply.content.includes(betaAcc), all.reply.content);
    const one = await search(" :name (agent-identifier :name echo@beta)");
    assert.match(one.reply.content, /:name echo@beta/);

    // 3. A receiver beta does not have: beta's ACC accepts (200), then its AMS sends the
    //    sender a FIPA failure, which ends the wait instead of a timeout.
    const lost = await sendAndWait(alpha, {
      performative: "request",
      receiver: { name: "nobody@beta", addresses: [betaAcc] },
      content: "ping",
    });
    assert.equal(lost.reply.performative, "failure");
    assert.match(lost.reply.content, /MTS-error/);
    assert.match(lost.reply.content, /nobody@beta/);
    const sender = typeof lost.reply.sender === "string"
      ? lost.reply.sender
      : lost.reply.sender.name;
    assert.equal(sender, "ams@beta");
  } finally {
    await Promise.all([alpha.stop(), beta.stop()]);
  }
});
