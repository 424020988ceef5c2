import type { Context } from "hono";
import type { AppEnv } from "./env.ts";

/** A static file in memory: its bytes, type and a strong ETag (hash of the bytes). */
export interface StaticFile {
  body: Uint8Array;
  contentType: string;
  etag: string;
}

/**
 * A {@link StaticFile} of `body`; the ETag is the first 12 bytes of its SHA-256 in hex.
 *
 * @example
 * ```ts
 * const f = await staticFile(new TextEncoder().encode("<p>hi</p>"), "text/html; charset=utf-8");
 * f.etag; // "\"9f86d081884c7d659a2feaa0\""-like
 * ```
 */
export async function staticFile(body: Uint8Array, contentType: string): Promise<StaticFile> {
  const digest = await crypto.subtle.digest("SHA-256", body as Uint8Array<ArrayBuffer>);
  const hex = [...new Uint8Array(digest).slice(0, 12)]
    .map((b) => b.toString(16).padStart(2, "0")).join("");
  return { body, contentType, etag: `"${hex}"` };
}

/**
 * The Content-Security-Policy of a page the node serves: scripts, styles, images and API
 * calls from this origin only (plus the inline scripts whose `'sha256-…'` sources are given,
 * and inline styles when allowed), no forms, no framing.
 *
 * @example
 * ```ts
 * pageCsp(); // "default-src 'none'; script-src 'self'; style-src 'self'; ..."
 * ```
 */
export function pageCsp(
  opts: { scriptHashes?: readonly string[]; inlineStyles?: boolean } = {},
): string {
  return [
    "default-src 'none'",
    ["script-src 'self'", ...opts.scriptHashes ?? []].join(" "),
    opts.inlineStyles ? "style-src 'self' 'unsafe-inline'" : "style-src 'self'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}

/**
 * Answers `file` with `no-cache` and its ETag (304 when `If-None-Match` has it), `nosniff`,
 * no referrer, no framing, and the given Content-Security-Policy.
 */
export function serveStaticFile(c: Context<AppEnv>, file: StaticFile, csp: string): Response {
  c.header("Cache-Control", "no-cache");
  c.header("ETag", file.etag);
  c.header("Content-Security-Policy", csp);
  c.header("X-Content-Type-Options", "nosniff");
  c.header("Referrer-Policy", "no-referrer");
  c.header("X-Frame-Options", "DENY");
  if (c.req.header("if-none-match") === file.etag) return c.body(null, 304);
  c.header("Content-Type", file.contentType);
  return c.body(file.body as Uint8Array<ArrayBuffer>);
}
