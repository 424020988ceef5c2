/**
 * Reads commands out of README.md so tests run the documentation as written: the `sh`
 * blocks of a section, their `curl` commands split into words as a POSIX shell would
 * (single and double quotes, backslash-newline continuations) and turned into a request.
 * Pure except {@link readReadme}.
 */

/** README.md of the repository. */
export function readReadme(): Promise<string> {
  return Deno.readTextFile(new URL("../../README.md", import.meta.url));
}

/** The text of the `## <title>` section (up to the next `## ` heading). */
export function section(markdown: string, title: string): string {
  const start = markdown.indexOf(`\n## ${title}\n`);
  if (start < 0) throw new Error(`README has no section "## ${title}"`);
  const rest = markdown.slice(start + 1);
  const end = rest.indexOf("\n## ", 1);
  return end < 0 ? rest : rest.slice(0, end);
}

/** The commands of the ```sh blocks of `markdown`, continuation lines joined, comments dropped. */
export function shellCommands(markdown: string): string[] {
  const out: string[] = [];
  for (const m of markdown.matchAll(/```sh\n([\s\S]*?)```/g)) {
    const joined = m[1].replace(/\\\n/g, " ");
    for (const line of joined.split("\n")) {
      const cmd = line.trim();
      if (cmd && !cmd.startsWith("#")) out.push(cmd);
    }
  }
  return out;
}

/** The bodies of the fenced code blocks of `markdown` in language `lang` (e.g. `ts`). */
export function codeBlocks(markdown: string, lang: string): string[] {
  const fence = new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g");
  return [...markdown.matchAll(fence)].map((m) => m[1]);
}

/** Splits a command line into words: quotes group and are removed; `#` starts a comment. */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let word: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === "'" || c === '"') {
      const end = line.indexOf(c, i + 1);
      if (end < 0) throw new Error(`unterminated ${c} in: ${line}`);
      word = (word ?? "") + line.slice(i + 1, end);
      i = end;
    } else if (c === " " || c === "\t") {
      if (word !== null) words.push(word);
      word = null;
    } else if (c === "#" && word === null) {
      break;
    } else {
      word = (word ?? "") + c;
    }
  }
  if (word !== null) words.push(word);
  return words;
}

/** What a `curl` command asks for. */
export interface CurlRequest {
  method: string;
  /** As written, e.g. `localhost:8080/api/v1/messages`. */
  url: string;
  headers: Record<string, string>;
  body?: string;
}

/**
 * The request of a `curl` command line. Knows `-s`, `-H`, `-d`, `-X`; any other option
 * throws (so a README that starts using one fails the test until the test understands it).
 */
export function parseCurl(line: string): CurlRequest {
  const words = shellWords(line);
  if (words[0] !== "curl") throw new Error(`not a curl command: ${line}`);
  const req: CurlRequest = { method: "GET", url: "", headers: {} };
  let method: string | undefined;
  for (let i = 1; i < words.length; i++) {
    const w = words[i];
    if (w === "-s") continue;
    if (w === "-H") {
      const h = words[++i] ?? "";
      const colon = h.indexOf(":");
      if (colon < 0) throw new Error(`bad header '${h}' in: ${line}`);
      req.headers[h.slice(0, colon).trim().toLowerCase()] = h.slice(colon + 1).trim();
    } else if (w === "-d") {
      req.body = words[++i];
    } else if (w === "-X") {
      method = words[++i];
    } else if (w.startsWith("-")) {
      throw new Error(`curl option '${w}' not understood by tests/support/readme.ts: ${line}`);
    } else if (req.url) {
      throw new Error(`two URLs ('${req.url}', '${w}') in: ${line}`);
    } else {
      req.url = w;
    }
  }
  if (!req.url) throw new Error(`no URL in: ${line}`);
  req.method = method ?? (req.body === undefined ? "GET" : "POST");
  return req;
}
