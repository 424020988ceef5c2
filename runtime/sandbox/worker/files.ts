/**
 * `fipa:agent/files` for one agent: paths are checked against its `files` grants first
 * (`decidePath`: no `..`, no absolute path outside an absolute grant, writes need
 * `read-write`), then symbolic links are resolved and must stay inside the granted
 * directory; only then does the call reach Deno, whose permissions of the Worker (the same
 * grants) are the second layer. Writes are bounded by `limits.file_bytes`: the bytes the
 * agent's files hold in its writable directories, counted once (on the first write of an
 * activation) and kept up to date by these calls.
 * @module
 */
import { decidePath, type GrantedDir, within } from "../grant-decisions.ts";

/** A refusal by the agent's grants: reported to the node (log line and metric). */
export interface Refusal {
  kind: "net" | "files";
  target: string;
  message: string;
}

/** What {@link AgentFiles} needs. */
export interface FilesContext {
  dirs: GrantedDir[];
  root: string;
  limitBytes: number;
  /** Test only: skip the check of grants (Deno's permissions still apply). */
  skipCheck: boolean;
  refused(r: Refusal): void;
}

function denoError(err: unknown, path: string): string {
  const e = err as Error;
  if (e?.name === "NotCapable" || e?.name === "PermissionDenied") {
    return `refused by the sandbox's Deno permissions: ${e.message}`;
  }
  if (e?.name === "NotFound") return `no such file or directory ${JSON.stringify(path)}`;
  if (e?.name === "IsADirectory") return `${JSON.stringify(path)} is a directory`;
  return `${JSON.stringify(path)}: ${e?.message ?? e}`;
}

/** The files host functions of one agent. Errors are thrown as strings (jco's `result` err). */
export class AgentFiles {
  #used?: number;

  constructor(private readonly cx: FilesContext) {}

  #resolve(path: string, access: "read" | "write"): string {
    if (this.cx.skipCheck) {
      return path.startsWith("/") ? path : `${this.cx.root}/${path}`;
    }
    const d = decidePath(path, access, this.cx.dirs, this.cx.root);
    if (!d.ok) {
      this.cx.refused({ kind: "files", target: path, message: d.error });
      throw d.error;
    }
    // Symbolic links: the nearest existing ancestor (or the path itself), resolved, must
    // stay inside the granted directory, resolved.
    let probe = d.path;
    for (;;) {
      try {
        Deno.lstatSync(probe);
        break;
      } catch (err) {
        if ((err as Error).name !== "NotFound" || probe === d.dir.dir) throw denoError(err, path);
        probe = probe.slice(0, probe.lastIndexOf("/")) || "/";
      }
    }
    let real: string;
    let realDir: string;
    try {
      real = Deno.realPathSync(probe);
      realDir = Deno.realPathSync(d.dir.dir);
    } catch (err) {
      throw denoError(err, path);
    }
    if (!within(real, realDir)) {
      const msg = `path ${JSON.stringify(path)} is refused: it leads through a symbolic link ` +
        `out of the granted directory ${d.dir.grant}`;
      this.cx.refused({ kind: "files", target: path, message: msg });
      throw msg;
    }
    return d.path;
  }

  /** Bytes the agent's files hold in its writable directories (counted once). */
  #usage(): number {
    if (this.#used !== undefined) return this.#used;
    let total = 0;
    const walk = (dir: string) => {
      let entries: Deno.DirEntry[];
      try {
        entries = [...Deno.readDirSync(dir)];
      } catch {
        return;
      }
      for (const e of entries) {
        const p = `${dir}/${e.name}`;
        if (e.isDirectory) walk(p);
        else if (e.isFile) total += Deno.lstatSync(p).size;
      }
    };
    const writable = this.cx.dirs.filter((d) => d.mode === "read-write").map((d) => d.dir);
    for (const d of writable) {
      if (!writable.some((o) => o !== d && within(d, o))) walk(d);
    }
    this.#used = total;
    return total;
  }

  #sizeOf(abs: string): number {
    try {
      const s = Deno.lstatSync(abs);
      return s.isFile ? s.size : 0;
    } catch {
      return 0;
    }
  }

  #reserve(path: string, abs: string, adding: number, replacing: boolean): number {
    const next = this.#usage() - (replacing ? this.#sizeOf(abs) : 0) + adding;
    if (next > this.cx.limitBytes) {
      throw `writing ${adding} bytes to ${JSON.stringify(path)} would make the agent's files ` +
        `hold ${next} bytes; limits.file_bytes is ${this.cx.limitBytes}`;
    }
    return next;
  }

  read(path: string): Uint8Array {
    const abs = this.#resolve(path, "read");
    try {
      return Deno.readFileSync(abs);
    } catch (err) {
      throw denoError(err, path);
    }
  }

  write(path: string, data: Uint8Array, append: boolean): void {
    const abs = this.#resolve(path, "write");
    const next = this.#reserve(path, abs, data.length, !append);
    try {
      const parent = abs.slice(0, abs.lastIndexOf("/"));
      if (parent) Deno.mkdirSync(parent, { recursive: true });
      Deno.writeFileSync(abs, data, { append, create: true });
    } catch (err) {
      throw denoError(err, path);
    }
    this.#used = next;
  }

  listDir(path: string): string[] {
    const abs = this.#resolve(path, "read");
    try {
      return [...Deno.readDirSync(abs)].map((e) => e.name).sort();
    } catch (err) {
      throw denoError(err, path);
    }
  }

  remove(path: string): void {
    const abs = this.#resolve(path, "write");
    const size = this.#sizeOf(abs);
    try {
      Deno.removeSync(abs);
    } catch (err) {
      throw denoError(err, path);
    }
    if (this.#used !== undefined) this.#used -= size;
  }
}
