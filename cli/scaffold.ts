/**
 * `deno task cli new <dir>`: scaffolds an agent project anywhere: `agent.ts` written with the
 * SDK, `agent_test.ts` running its logic without wasm, a README, and a copy of the SDK in
 * `sdk/` (so the project type-checks, tests and builds on its own).
 * @module
 */

const SDK_DIR = new URL("../agents/sdk/", import.meta.url);
/** The SDK files copied into a new project's `sdk/`. */
const SDK_FILES = ["mod.ts", "agent.ts", "types.ts", "testing.ts"];

/** The files of a new project named `name`, path → text. Pure. */
export function projectFiles(name: string): Record<string, string> {
  return {
    "agent.ts": `/**
 * ${name}: answers a \`request\` with an \`inform\` greeting its content. Anything else is
 * declined (\`false\`), and the node answers the sender \`not-understood\` for it.
 * @module
 */
import { contentText, defineAgent, text } from "./sdk/mod.ts";

export default defineAgent({
  handleMessage(msg, cx) {
    if (msg.performative !== "request") return false;
    cx.log("info", \`greeting \${msg.sender?.name ?? "someone"}\`);
    cx.reply(msg, "inform", text(\`hello, \${contentText(msg) ?? "nobody"}\`));
    return true;
  },
});
`,
    "agent_test.ts": `// The agent's logic, run against fake world imports: no wasm, no node.
import assert from "node:assert/strict";
import { bindAgent, contentText, text } from "./sdk/mod.ts";
import { fakeWorld, message } from "./sdk/testing.ts";
import agent from "./agent.ts";

Deno.test("a request is answered with a greeting, in its conversation", () => {
  const w = fakeWorld();
  const exports = bindAgent(agent, w.imports);
  assert.equal(exports.handleMessage(message("request", text("world"))), true);
  assert.equal(w.sent.length, 1);
  assert.equal(w.sent[0].performative, "inform");
  assert.equal(contentText(w.sent[0]), "hello, world");
  assert.equal(w.sent[0].conversationId, "c-1");
  assert.equal(w.sent[0].inReplyTo, "r-1");
});

Deno.test("anything else is declined (the node answers not-understood)", () => {
  const w = fakeWorld();
  assert.equal(bindAgent(agent, w.imports).handleMessage(message("query-ref")), false);
  assert.equal(w.sent.length, 0);
});
`,
    "README.md": `# ${name}

A fipa-edge agent: \`agent.ts\`, written with the SDK in \`sdk/\` (a copy of
fipa-edge's \`agents/sdk\`; \`sdk/testing.ts\` fakes the world for unit tests).

\`\`\`sh
deno test                                           # the logic, without wasm
# with FIPA_EDGE=<your fipa-edge checkout>:
deno task --config $FIPA_EDGE/deno.json cli build agent.ts           # → agent.wasm
deno task --config $FIPA_EDGE/deno.json cli deploy agent.wasm --name ${name}
deno task --config $FIPA_EDGE/deno.json cli send --to ${name} --content world --wait
\`\`\`

The build bundles \`agent.ts\` and what it imports into a WebAssembly component (ComponentizeJS),
cached by a hash of its sources. A message the agent declines (\`handleMessage\` returns false) is
answered \`not-understood\` by the node.
`,
  };
}

/**
 * Writes a new project into `dir` (created; it must not exist or be empty), named after the
 * directory; returns the files written.
 *
 * @throws {Error} naming `dir` when it is not empty or cannot be written.
 */
export async function scaffold(dir: string): Promise<string[]> {
  const base = dir.replace(/[\\/]+$/, "");
  const name = (base.split(/[\\/]/).pop() || "agent").toLowerCase().replace(/[^a-z0-9-]+/g, "-")
    .replace(/^-+|-+$/g, "") || "agent";
  try {
    for await (const _ of Deno.readDir(base)) {
      throw new Error(`${base} is not empty: 'new' writes into a new or empty directory`);
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  await Deno.mkdir(`${base}/sdk`, { recursive: true });
  const written: string[] = [];
  for (const [path, text] of Object.entries(projectFiles(name))) {
    await Deno.writeTextFile(`${base}/${path}`, text);
    written.push(path);
  }
  for (const f of SDK_FILES) {
    await Deno.writeFile(`${base}/sdk/${f}`, await Deno.readFile(new URL(f, SDK_DIR)));
    written.push(`sdk/${f}`);
  }
  return written;
}
