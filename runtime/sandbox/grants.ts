/**
 * Grants of a manifest (`net`, `files`) as pure decisions: their syntax, whether a URL or a
 * path an agent names is granted, and the Deno permissions of the Worker that hosts the
 * agent. The host functions ask these first; Deno's permissions are the second layer.
 * @module
 */
import { z } from "zod";
import { badSegments, type GrantedDir, tidy } from "./grant-decisions.ts";

export {
  decidePath,
  decideUrl,
  type GrantedDir,
  grantedDirs,
  type NetDecision,
  type PathDecision,
  within,
} from "./grant-decisions.ts";

const HOST = String
  .raw`(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])`;
const NET_ENTRY = new RegExp(`^${HOST}(?::(\\d{1,5}))?$`);

/** One `net` grant: `host` (every port) or `host:port`; hosts are lowercased. */
export const NetGrantSchema = z.string().trim().toLowerCase().max(300).refine(
  (s) => {
    const m = NET_ENTRY.exec(s);
    return m !== null && (m[1] === undefined || (Number(m[1]) >= 1 && Number(m[1]) <= 65535));
  },
  {
    error: (i) =>
      `${JSON.stringify(i.input)} is not host or host:port (e.g. "api.example.com:443")`,
  },
);

/**
 * One `files` grant: a directory relative to the agent's root in the node's data directory
 * (`"."` is the root itself), or an absolute one inside the node's `agent-files-allow`.
 */
export const FilesGrantSchema = z.strictObject({
  path: z.string().min(1).max(1024).refine((p) => !badSegments(p), {
    error: (i) => `${JSON.stringify(i.input)} has a ".." or empty segment, a NUL or a backslash`,
  }).transform(tidy),
  mode: z.enum(["read", "read-write"]).default("read"),
});
/** A validated `files` grant. */
export type FilesGrant = z.infer<typeof FilesGrantSchema>;

/** The Deno permissions of an agent Worker: from its grants only; nothing else, ever. */
export interface WorkerPermissions {
  net: string[] | false;
  read: string[] | false;
  write: string[] | false;
  env: false;
  sys: false;
  run: false;
  ffi: false;
  import: false;
}

/** The Worker permissions a manifest's grants map onto (directories absolute). Pure. */
export function workerPermissionsOf(
  net: readonly string[],
  dirs: readonly GrantedDir[],
): WorkerPermissions {
  const list = (xs: string[]) => xs.length ? [...new Set(xs)].sort() : false as const;
  return {
    net: list([...net]),
    read: list(dirs.map((d) => d.dir)),
    write: list(dirs.filter((d) => d.mode === "read-write").map((d) => d.dir)),
    env: false,
    sys: false,
    run: false,
    ffi: false,
    import: false,
  };
}

/** Key of the Worker group of a permission set: agents share Workers only with equal grants. */
export function permissionKey(p: WorkerPermissions): string {
  return JSON.stringify([p.net, p.read, p.write]);
}

/** The directory under `filesDir` that is an agent's root (its name made safe). Pure. */
export function agentRoot(filesDir: string, agent: string): string {
  const safe = agent.replace(/[^A-Za-z0-9._@-]/g, (c) => `%${c.charCodeAt(0).toString(16)}`);
  return `${filesDir.replace(/\/+$/, "")}/${
    safe === "." || safe === ".." ? `%2e${safe.slice(1)}` : safe
  }`;
}
