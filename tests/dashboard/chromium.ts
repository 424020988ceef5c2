// Finding and launching Debian's Chromium for the dashboard tests (driven by playwright-core).
import { type BrowserContext, chromium } from "playwright-core";

/** Where Debian's `chromium` package puts the browser. */
export const CHROMIUM = "/usr/bin/chromium";

/** Launch flags: headless, no sandbox (root in CI), nothing that reaches the internet. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/**
 * Whether the browser tests can run: `{ok: true}`, or why not. Without Chromium they are
 * skipped with that reason only where it could truly not be installed (`.ci/run` sets
 * `FIPA_EDGE_NO_CHROMIUM` to apt's error then) or outside CI; in CI a missing browser fails.
 */
export function chromiumStatus(): { ok: true } | { ok: false; reason: string; fail: boolean } {
  try {
    Deno.statSync(CHROMIUM);
    return { ok: true };
  } catch {
    const why = Deno.env.get("FIPA_EDGE_NO_CHROMIUM");
    if (why) return { ok: false, reason: `Chromium could not be installed: ${why}`, fail: false };
    const ci = Deno.env.get("CI") === "true";
    return {
      ok: false,
      reason: `${CHROMIUM} is missing; install it with 'apt-get install -y chromium'` +
        (ci ? " (.ci/run should have)" : ""),
      fail: ci,
    };
  }
}

/** A headless browser with a fresh profile; `close()` removes the profile. */
export async function launchBrowser(): Promise<{ ctx: BrowserContext; close(): Promise<void> }> {
  const profile = await Deno.makeTempDir({ prefix: "fipa-edge-chromium-" });
  const ctx = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1400, height: 1000 },
  });
  return {
    ctx,
    async close() {
      await ctx.close();
      await Deno.remove(profile, { recursive: true }).catch(() => {});
    },
  };
}
