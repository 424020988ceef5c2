/** Runs `deno task cli` (cli/main.ts) as a user would, with the task's permissions. */

const ROOT = new URL("../../", import.meta.url).pathname;

/** What a CLI run printed and its exit status. */
export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs the CLI with `args` (no colors, no stdin) and waits for it to exit. */
export async function runCliProcess(args: string[]): Promise<CliRun> {
  const r = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-net", "--allow-read", "--allow-env", `${ROOT}cli/main.ts`, ...args],
    env: { NO_COLOR: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dec = new TextDecoder();
  return { code: r.code, out: dec.decode(r.stdout), err: dec.decode(r.stderr) };
}
