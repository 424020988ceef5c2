/**
 * Whether a URL or a path an agent names is granted, as pure decisions over its grants. No
 * schemas: a sandbox Worker asks these on every host call and loads this file without zod
 * (whose load costs every Worker start ~13 ms of CPU); `grants.ts` holds the grants' syntax.
 * @module
 */

/** Whether a path has a `..` or empty segment, a NUL, or a backslash. */
export function badSegments(p: string): boolean {
  return p.includes("\0") || p.includes("\\") ||
    p.split("/").some((s, i, all) => s === ".." || (s === "" && i > 0 && i < all.length - 1));
}

/** Removes `./` segments and a trailing slash. */
export function tidy(p: string): string {
  const abs = p.startsWith("/");
  const parts = p.split("/").filter((s) => s !== "" && s !== ".");
  return (abs ? "/" : "") + parts.join("/") || (abs ? "/" : ".");
}

/** A granted directory, absolute, with its mode. */
export interface GrantedDir {
  dir: string;
  mode: "read" | "read-write";
  /** The grant as the manifest wrote it (for error messages). */
  grant: string;
}

/** The directories `files` grants, absolute: relative ones under `root`. Pure. */
export function grantedDirs(
  files: readonly { path: string; mode: GrantedDir["mode"] }[],
  root: string,
): GrantedDir[] {
  return files.map((f) => ({
    dir: f.path.startsWith("/") ? f.path : f.path === "." ? root : `${root}/${f.path}`,
    mode: f.mode,
    grant: f.path,
  }));
}

/** Whether `path` is `dir` or lies below it (both absolute and tidy). */
export function within(path: string, dir: string): boolean {
  return path === dir || path.startsWith(dir === "/" ? "/" : `${dir}/`);
}

/** The decision about a path an agent named: the absolute path and its grant, or why not. */
export type PathDecision =
  | { ok: true; path: string; dir: GrantedDir }
  | { ok: false; error: string };

/**
 * Resolves a path an agent names in a `files` call (relative to its root; absolute only
 * inside an absolute grant) and checks it against its grants: `..` segments are refused,
 * and writing needs a `read-write` grant. Symbolic links are checked by the caller. Pure.
 */
export function decidePath(
  path: string,
  access: "read" | "write",
  dirs: readonly GrantedDir[],
  root: string,
): PathDecision {
  const shown = JSON.stringify(path.length > 200 ? `${path.slice(0, 200)}...` : path);
  if (path === "" || path.length > 4096) return { ok: false, error: `invalid path ${shown}` };
  if (badSegments(path)) {
    return {
      ok: false,
      error: `path ${shown} is refused: it has a ".." or empty segment, a NUL or a backslash`,
    };
  }
  const abs = path.startsWith("/") ? tidy(path) : tidy(`${root}/${path}`);
  const inside = dirs.filter((d) => within(abs, d.dir));
  const fit = inside.find((d) => access === "read" || d.mode === "read-write");
  if (fit) return { ok: true, path: abs, dir: fit };
  const granted = dirs.length ? dirs.map((d) => `${d.grant} (${d.mode})`).join(", ") : "none";
  if (inside.length) {
    return {
      ok: false,
      error: `writing ${shown} is not granted: the manifest's files grant ` +
        `${inside.map((d) => d.grant).join(", ")} is read-only (needs mode "read-write")`,
    };
  }
  return {
    ok: false,
    error: `${access} access to ${shown} is not granted (the manifest's files grants ${granted})`,
  };
}

/** Default port of a URL scheme. */
function defaultPort(protocol: string): number {
  return protocol === "https:" ? 443 : 80;
}

/** The decision about a URL an agent fetches: its `host:port`, or why it is refused. */
export type NetDecision = { ok: true; target: string } | {
  ok: false;
  error: string;
  target?: string;
};

/**
 * Checks a URL against the manifest's `net` grants: only `http:` and `https:`, and only a
 * host (any port) or `host:port` the manifest lists. Pure.
 */
export function decideUrl(url: string, net: readonly string[]): NetDecision {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return { ok: false, error: `invalid URL ${JSON.stringify(url.slice(0, 200))}` };
  }
  if (u.protocol !== "http:" && u.protocol !== "https:") {
    return { ok: false, error: `URL scheme ${u.protocol} is not supported (http: or https:)` };
  }
  const host = u.hostname.toLowerCase();
  const port = u.port ? Number(u.port) : defaultPort(u.protocol);
  const target = `${host}:${port}`;
  if (net.some((g) => g === host || g === target)) return { ok: true, target };
  return {
    ok: false,
    target,
    error: `net access to ${target} is not granted (the manifest's net grants ` +
      `${net.length ? net.join(", ") : "nothing"}; add "${target}" to manifest.net)`,
  };
}
