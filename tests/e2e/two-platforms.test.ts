// Two of our nodes configured as two FIPA platforms (`alpha`, `beta`): separate clusters,
// talking only through the HTTP MTP (`POST /acc`), as a JADE platform would talk to us.
import assert from "node:assert/strict";
import { aid } from "../../runtime/acl/mod.ts";
import {
  buildHttpMtpRequest,
  type InboundMessage,
  parseHttpMtpRequest,
} from "../../runtime/mtp/mod.ts";
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

    // 3. A service registered through beta's REST registry (by full name; local works too)
    //    is one registration, and beta's DF gives it to alpha with full name and address.
    const reg = await fetch(`${beta.url}/api/v1/services`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "echo@beta", services: [{ name: "echoing", type: "echo" }] }),
    });
    assert.equal(reg.status, 201, await reg.text());
    for (const agent of ["echo", "echo@beta", "echo@b1"]) {
      const got = await (await fetch(`${beta.url}/api/v1/services?agent=${agent}`)).json();
      assert.equal(got.total, 1, agent);
    }
    const df = await sendAndWait(alpha, {
      performative: "request",
      receiver: { name: "df@beta", addresses: [betaAcc] },
      language: "fipa-sl0",
      ontology: "FIPA-Agent-Management",
      protocol: "fipa-request",
      content: "((action (agent-identifier :name df@beta) (search (df-agent-description " +
        ":name (agent-identifier :name echo)) (search-constraints))))",
    }, "&wait_for=final");
    assert.equal(df.reply.performative, "inform", JSON.stringify(df.reply));
    assert.match(df.reply.content, /:name echo@beta :addresses \(sequence http:/);

    // 4. A receiver beta does not have: beta's ACC accepts (200), then its AMS sends the
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

/** A stand-in for another platform's ACC: records every message posted to it. */
function foreignAcc() {
  const got: InboundMessage[] = [];
  const waiters: (() => void)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const body = new Uint8Array(await req.arrayBuffer());
    got.push(parseHttpMtpRequest(req.headers.get("content-type"), body, { now: Date.now() }));
    waiters.splice(0).forEach((w) => w());
    return new Response(null, { status: 200 });
  });
  const url = `http://127.0.0.1:${server.addr.port}/acc`;
  return {
    url,
    got,
    /** Resolves once `n` messages arrived. */
    async received(n: number): Promise<InboundMessage[]> {
      while (got.length < n) await new Promise<void>((r) => waiters.push(r));
      return got;
    },
    /** Resolves with the first message (arrived or yet to come) that `pred` accepts. */
    async first(pred: (m: InboundMessage) => boolean): Promise<InboundMessage> {
      let seen = 0;
      for (;;) {
        const found = got.slice(seen).find(pred);
        if (found) return found;
        seen = got.length;
        await new Promise<void>((r) => waiters.push(r));
      }
    },
    close: () => server.shutdown(),
  };
}

Deno.test("XML ACL over the MTP: read, answered in the representation the platform used; unsupported ones get a failure", async () => {
  const [alpha, beta] = await twoPlatforms();
  const gamma = foreignAcc();
  try {
    // alpha → beta in XML (the receiver's identifier asks for it); beta answers in XML,
    // the representation alpha last used.
    const echoed = await sendAndWait(alpha, {
      performative: "request",
      receiver: {
        name: "echo@beta",
        addresses: [`${beta.url}/acc`],
        user_params: { "X-acl-representation": "fipa.acl.rep.xml.std" },
      },
      content: "ping <xml> & co",
    });
    assert.equal(echoed.reply.performative, "inform");
    assert.equal(echoed.reply.content, "ping <xml> & co");

    // A platform "gamma" posts an XML request to beta; beta's echo answers gamma in XML.
    const tester = aid("tester@gamma", [gamma.url]);
    const request = buildHttpMtpRequest(
      {
        performative: "request",
        sender: tester,
        receivers: [aid("echo@beta")],
        content: "hello",
        conversation_id: "x1",
        reply_with: "r1",
      },
      aid("echo@beta", [`${beta.url}/acc`]),
      { date: new Date(), boundary: "b-xml-1", representation: "fipa.acl.rep.xml.std" },
    );
    const res = await fetch(`${beta.url}/acc`, {
      method: "POST",
      headers: request.headers,
      body: request.body,
    });
    assert.equal(res.status, 200, await res.text());
    const [reply] = await gamma.received(1);
    assert.equal(reply.representation, "fipa.acl.rep.xml.std");
    assert.ok(reply.payload.startsWith("<?xml"), reply.payload);
    assert.equal(reply.message.performative, "inform");
    assert.equal(reply.message.content, "hello");
    assert.equal(reply.message.in_reply_to, "r1");
    assert.equal(reply.message.sender?.name, "echo@beta");

    // The bit-efficient representation is not read: the ACC refuses it (415) and beta's
    // AMS tells the sender with a FIPA failure.
    const bitEfficient = new TextDecoder().decode(request.body).replace(
      /fipa\.acl\.rep\.xml\.std/,
      "fipa.acl.rep.bitefficient.std",
    );
    const refused = await fetch(`${beta.url}/acc`, {
      method: "POST",
      headers: request.headers,
      body: bitEfficient,
    });
    assert.equal(refused.status, 415);
    await refused.body?.cancel();
    const [, failure] = await gamma.received(2);
    assert.equal(failure.message.performative, "failure");
    assert.equal(failure.message.sender?.name, "ams@beta");
    assert.match(failure.message.content as string, /bitefficient/);
  } finally {
    await Promise.all([alpha.stop(), beta.stop(), gamma.close()]);
  }
});

Deno.test("AMS as a management tool sees it: platform events to a subscriber of another platform; modify by our API", async () => {
  const beta = await spawnNode(["--name", "b1", "--platform", "beta"], {}, { sampleAgents: true });
  const tool = foreignAcc();
  try {
    const betaAcc = `${beta.url}/acc`;
    const ams = aid("ams@beta", [betaAcc]);
    const subscribe = buildHttpMtpRequest(
      {
        performative: "subscribe",
        sender: aid("rma@tools", [tool.url]),
        receivers: [ams],
        language: "fipa-sl0",
        ontology: "FIPA-Agent-Management",
        protocol: "fipa-subscribe",
        conversation_id: "follow",
        content: "((iota ?x (result (action (agent-identifier :name ams@beta) " +
          "(search (ams-agent-description) (search-constraints))) ?x)))",
      },
      ams,
      { date: new Date(), boundary: "b-sub" },
    );
    const res = await fetch(betaAcc, {
      method: "POST",
      headers: subscribe.headers,
      body: subscribe.body,
    });
    assert.equal(res.status, 200);
    await res.body?.cancel();
    await tool.first((m) => m.message.performative === "agree");
    const now = await tool.first((m) =>
      m.message.performative === "inform" && !m.message.user_params?.["X-platform-event"]
    );
    assert.match(now.message.content as string, /:name echo@beta/);

    // Our API (an authenticated caller) suspends echo through the AMS by its local name.
    const suspended = await sendAndWait(beta, {
      performative: "request",
      receiver: "ams",
      language: "fipa-sl0",
      ontology: "FIPA-Agent-Management",
      protocol: "fipa-request",
      content: "((action (agent-identifier :name ams) (modify (ams-agent-description " +
        ":name (agent-identifier :name echo) :state suspended))))",
    }, "&wait_for=final");
    assert.equal(suspended.reply.performative, "inform", JSON.stringify(suspended.reply));
    assert.match(suspended.reply.content, /^\(\(done /);
    const agent = await (await fetch(`${beta.url}/api/v1/agents/echo`)).json();
    assert.equal(agent.status ?? agent.state, "stopped", JSON.stringify(agent));

    // The subscriber heard of it as a platform event (after, perhaps, echo's start-up).
    const stateEvent = await tool.first((m) =>
      m.message.user_params?.["X-platform-event"] === "agent-state" &&
      /:state suspended/.test(m.message.content as string)
    );
    assert.match(stateEvent.message.content as string, /:name echo@beta/);

    // Another platform may not manage ours: refused as unauthorised.
    const modify = buildHttpMtpRequest(
      {
        performative: "request",
        sender: aid("rma@tools", [tool.url]),
        receivers: [ams],
        language: "fipa-sl0",
        ontology: "FIPA-Agent-Management",
        protocol: "fipa-request",
        conversation_id: "m1",
        content: "((action (agent-identifier :name ams@beta) (deregister (ams-agent-description " +
          ":name (agent-identifier :name echo@beta)))))",
      },
      ams,
      { date: new Date(), boundary: "b-mod" },
    );
    const r2 = await fetch(betaAcc, { method: "POST", headers: modify.headers, body: modify.body });
    assert.equal(r2.status, 200);
    await r2.body?.cancel();
    const refusal = await tool.first((m) => m.message.conversation_id === "m1");
    assert.equal(refusal.message.performative, "refuse");
    assert.match(refusal.message.content as string, /unauthorised/);
  } finally {
    await Promise.all([beta.stop(), tool.close()]);
  }
});
