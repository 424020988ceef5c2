/**
 * The module graph of an entry point of this repository, as `deno info --json` reports it:
 * for tests that check what a file imports (no import cycles, what a Worker loads).
 * @module
 */

/** The repository's root, as a `file:` URL ending in `/`. */
export const REPO_ROOT = new URL("../../", import.meta.url);

/** One module of `deno info --json`: its specifier and what it imports (code and types). */
export interface InfoModule {
  specifier: string;
  dependencies?: { code?: { specifier: string }; type?: { specifier: string } }[];
}

/** `deno info --json <entry>` (a path relative to the repository's root), parsed. */
export async function denoInfo(entry: string): Promise<{ roots: string[]; modules: InfoModule[] }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", entry],
    cwd: REPO_ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(`deno info ${entry}: ${new TextDecoder().decode(out.stderr)}`);
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** A specifier relative to the repository's root when it is one of its files, else as is. */
export function repoPath(specifier: string): string {
  return specifier.startsWith(REPO_ROOT.href) ? specifier.slice(REPO_ROOT.href.length) : specifier;
}
