/**
 * Paths on the command line are relative to where the user ran `deno task cli` (the
 * task itself runs in the repository; Deno passes the caller's directory as `INIT_CWD`).
 * @module
 */

/** `path` resolved against the directory the CLI was invoked from. */
export function fromInvocation(path: string, env: (k: string) => string | undefined): string {
  if (path.startsWith("/") || /^[A-Za-z]:[\\/]/.test(path)) return path;
  const base = env("INIT_CWD") ?? Deno.cwd();
  return `${base.replace(/[\\/]+$/, "")}/${path}`;
}
