/**
 * Signed agent packages on a node started with `--trusted-publisher-key <file>` and
 * `--require-signed-agents`: a component signed by the CLI (`deploy --sign-key`) is accepted
 * and shows its publisher; unsigned, untrusted and tampered ones are refused with
 * `400 INVALID_SIGNATURE` and nothing is stored.
 */
import assert from "node:assert/strict";
import { watAgentBytes } from "../../agents/build/mod.ts";
import { newPublisherKeys } from "../../runtime/security/mod.ts";
import { signWith } from "../../cli/sign.ts";
import { spawnNode } from "../support/node-process.ts";
import { runCliProcess } from "../support/cli-process.ts";

const TOKEN = "signed-e2e-token-0123456789";

async function deploy(url: string, name: string, wasm: Uint8Array, sig?: Record<string, string>) {
  const form = new FormData();
  form.set("wasm", new File([wasm as Uint8Array<ArrayBuffer>], "a.wasm"));
  form.set("config", JSON.stringify({ name }));
  for (const [k, v] of Object.entries(sig ?? {})) form.set(k, v);
  const res = await fetch(`${url}/api/v1/agents`, {
    method: "POST",
    body: form,
    headers: { authorization: `Bearer ${TOKEN}` },
  });
  return { status: res.status, body: await res.json() };
}

Deno.test("--require-signed-agents: signed accepted, unsigned/untrusted/tampered refused", async () => {
  const dir = await Deno.makeTempDir({ prefix: "fipa-edge-signed-" });
  const trusted = await newPublisherKeys();
  const stranger = await newPublisherKeys();
  await Deno.writeTextFile(`${dir}/publisher.pem`, trusted.privatePem);
  await Deno.writeTextFile(`${dir}/publisher.pub`, trusted.publicPem);
  const wasm = await watAgentBytes("tiny");
  await Deno.writeFile(`${dir}/tiny.wasm`, wasm);
  const node = await spawnNode([
    "--admin-token",
    TOKEN,
    "--trusted-publisher-key",
    `${dir}/publisher.pub`,
    "--require-signed-agents",
  ]);
  try {
    const refused = async (
      name: string,
      bytes: Uint8Array,
      sig: Record<string, string> | undefined,
      reason: string,
    ) => {
      const r = await deploy(node.url, name, bytes, sig);
      assert.equal(r.status, 400, `${name}: ${JSON.stringify(r.body)}`);
      assert.equal(r.body.error.code, "INVALID_SIGNATURE");
      assert.equal(r.body.error.details.reason, reason);
      const stored = await fetch(`${node.url}/api/v1/agents/${name}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      assert.equal(stored.status, 404, `${name} was not stored`);
      await stored.body?.cancel();
    };
    await refused("unsigned", wasm, undefined, "unsigned");
    await refused(
      "untrusted",
      wasm,
      { ...(await signWith(wasm, stranger.privatePem, "x")) },
      "untrusted key",
    );
    const tampered = wasm.slice();
    tampered[tampered.length - 1] ^= 1;
    const good = await signWith(wasm, trusted.privatePem, "publisher.pem");
    await refused("tampered", tampered, { ...good }, "bad signature");
    await refused("half", wasm, { signature: good.signature }, "malformed");

    // The CLI signs with --sign-key; the agent shows its publisher.
    const cli = await runCliProcess([
      "deploy",
      `${dir}/tiny.wasm`,
      "--name",
      "signed",
      "--sign-key",
      `${dir}/publisher.pem`,
      "--url",
      node.url,
      "--token",
      TOKEN,
      "--json",
    ]);
    assert.equal(cli.code, 0, cli.err);
    assert.equal(JSON.parse(cli.out).publisher_key_id, trusted.keyId);
    const view = await (await fetch(`${node.url}/api/v1/agents/signed`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    })).json();
    assert.equal(view.publisher_key_id, trusted.keyId);
    assert.match(trusted.keyId, /^ed25519:[0-9a-f]{16}$/);

    // `cli sign` prints the same key id.
    const signed = await runCliProcess([
      "sign",
      `${dir}/tiny.wasm`,
      "--key",
      `${dir}/publisher.pem`,
      "--json",
    ]);
    assert.equal(signed.code, 0, signed.err);
    const printed = JSON.parse(signed.out);
    assert.deepEqual(printed, good);
  } finally {
    await node.stop();
    await Deno.remove(dir, { recursive: true });
  }
});
