// The README reader the documentation tests rely on: sections, sh blocks, shell words, curl.
import assert from "node:assert/strict";
import { codeBlocks, parseCurl, section, shellCommands, shellWords } from "../support/readme.ts";

const MD = `# t

## One

\`\`\`sh
npx -y deno@2 task start   # a node
# a comment line
curl -s localhost:8080/a -H 'content-type: text/plain' \\
  -d '(x :y "z")'
\`\`\`

## Two

\`\`\`sh
echo no
\`\`\`
`;

Deno.test("section and shellCommands: one section's sh commands, continuations joined", () => {
  assert.deepEqual(shellCommands(section(MD, "One")), [
    "npx -y deno@2 task start   # a node",
    `curl -s localhost:8080/a -H 'content-type: text/plain'    -d '(x :y "z")'`,
  ]);
  assert.deepEqual(shellCommands(section(MD, "Two")), ["echo no"]);
  assert.throws(() => section(MD, "Three"), /no section "## Three"/);
});

Deno.test("shellWords: quotes group and disappear, a comment ends the line", () => {
  assert.deepEqual(shellWords(`a 'b c' "d 'e'" f#g # h`), ["a", "b c", "d 'e'", "f#g"]);
  assert.throws(() => shellWords("a 'b"), /unterminated/);
});

Deno.test("parseCurl: method, URL, headers and body; unknown options refused", () => {
  const [, curl] = shellCommands(section(MD, "One"));
  assert.deepEqual(parseCurl(curl), {
    method: "POST",
    url: "localhost:8080/a",
    headers: { "content-type": "text/plain" },
    body: '(x :y "z")',
  });
  assert.equal(parseCurl("curl -s localhost:8080/h").method, "GET");
  assert.throws(() => parseCurl("curl -k localhost:8080/h"), /option '-k'/);
  assert.throws(() => parseCurl("wget x"), /not a curl command/);
});

Deno.test("codeBlocks: the bodies of one language's fenced blocks", () => {
  const md = "```ts\nconst a = 1;\n```\n\n```sh\nls\n```\n```ts\nb();\n```\n";
  assert.deepEqual(codeBlocks(md, "ts"), ["const a = 1;\n", "b();\n"]);
  assert.deepEqual(codeBlocks(md, "sh"), ["ls\n"]);
  assert.deepEqual(codeBlocks(md, "js"), []);
});
