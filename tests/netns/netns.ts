// Three "hosts" in Linux network namespaces on one bridge, for the multi-host test. Needs
// root and iproute2. Every name carries a random tag so parallel runs do not collide, and
// the subnet is a 10.77.X.0/24 not routed on this machine.

import { awaitListening } from "../support/node-process.ts";

/** Runs `ip ...`; throws with its stderr when it fails. */
export async function ip(...args: string[]): Promise<string> {
  const r = await new Deno.Command("ip", { args, stdout: "piped", stderr: "piped" }).output();
  const dec = new TextDecoder();
  if (!r.success) throw new Error(`ip ${args.join(" ")}: ${dec.decode(r.stderr).trim()}`);
  return dec.decode(r.stdout);
}

/** Why namespaces cannot be made here, or `undefined` when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (Deno.build.os !== "linux") return `not Linux (${Deno.build.os})`;
  if (Deno.uid() !== 0) return `not root (uid ${Deno.uid()}); network namespaces need root`;
  try {
    await ip("netns", "list");
  } catch (e) {
    const msg = e instanceof Deno.errors.NotFound
      ? "the 'ip' command (iproute2) is missing"
      : String(e);
    return msg;
  }
  const probe = `fe-probe-${tag()}`;
  try {
    await ip("netns", "add", probe);
  } catch (e) {
    return `cannot create a network namespace: ${(e as Error).message}`;
  } finally {
    await ip("netns", "del", probe).catch(() => {});
  }
  return undefined;
}

function tag(): string {
  return crypto.getRandomValues(new Uint8Array(2)).reduce(
    (s, b) => s + b.toString(16).padStart(2, "0"),
    "",
  );
}

/** One host: its namespace and address. */
export interface Host {
  ns: string;
  address: string;
}

/** The namespaces, the bridge joining them, and the root namespace's address on it. */
export interface Lab {
  hosts: Host[];
  bridge: string;
  /** This (root) namespace's address on the bridge, so the test can reach the hosts. */
  gateway: string;
  subnet: string;
  /** Removes every namespace and link it made; safe to call twice. */
  destroy(): Promise<void>;
}

async function freeSubnet(): Promise<number> {
  const used = (await ip("-4", "route")) + (await ip("-4", "-o", "addr"));
  const candidates = Array.from({ length: 254 }, (_, i) => i + 1).filter((x) =>
    !used.includes(`10.77.${x}.`)
  );
  if (!candidates.length) throw new Error("no free 10.77.X.0/24 subnet");
  return candidates[Math.floor(Math.random() * candidates.length)];
}

/** Makes `n` namespaces with veth pairs on one bridge; destroys what it made on failure. */
export async function makeLab(n: number): Promise<Lab> {
  const t = tag();
  const x = await freeSubnet();
  const subnet = `10.77.${x}`;
  const bridge = `febr${t}`;
  const made: (() => Promise<unknown>)[] = [];
  const destroy = async () => {
    for (const undo of made.splice(0).reverse()) await undo().catch(() => {});
  };
  const hosts: Host[] = [];
  try {
    await ip("link", "add", bridge, "type", "bridge");
    made.push(() => ip("link", "del", bridge));
    await ip("addr", "add", `${subnet}.254/24`, "dev", bridge);
    await ip("link", "set", bridge, "up");
    for (let i = 1; i <= n; i++) {
      const ns = `fe-${t}-${i}`;
      const outer = `fe${t}v${i}`;
      const inner = `fe${t}p${i}`;
      await ip("netns", "add", ns);
      made.push(() => ip("netns", "del", ns));
      await ip("link", "add", outer, "type", "veth", "peer", "name", inner);
      made.push(() => ip("link", "del", outer));
      await ip("link", "set", inner, "netns", ns);
      await ip("link", "set", outer, "master", bridge);
      await ip("link", "set", outer, "up");
      await ip("-n", ns, "link", "set", "lo", "up");
      await ip("-n", ns, "link", "set", inner, "name", "eth0");
      await ip("-n", ns, "addr", "add", `${subnet}.${i}/24`, "dev", "eth0");
      await ip("-n", ns, "link", "set", "eth0", "up");
      hosts.push({ ns, address: `${subnet}.${i}` });
    }
  } catch (e) {
    await destroy();
    throw e;
  }
  return { hosts, bridge, gateway: `${subnet}.254`, subnet: `${subnet}.0/24`, destroy };
}

/** A node process running inside a namespace. */
export interface HostNode {
  name: string;
  url: string;
  child: Deno.ChildProcess;
  logs(): string;
  stop(): Promise<void>;
}

const ROOT = new URL("../../", import.meta.url).pathname;

/** Starts `main.ts` in `host`'s namespace, listening on the host's address only. */
export async function startHostNode(
  host: Host,
  name: string,
  dataDir: string,
  extra: string[] = [],
): Promise<HostNode> {
  const child = new Deno.Command("ip", {
    args: [
      "netns",
      "exec",
      host.ns,
      Deno.execPath(),
      "run",
      "-A",
      `${ROOT}main.ts`,
      "--name",
      name,
      "--host",
      host.address,
      "--p2p-host",
      host.address,
      "--port",
      "8080",
      "--p2p-port",
      "9001",
      "--data-dir",
      dataDir,
      "--rate-limit",
      "off",
      ...extra,
    ],
    cwd: ROOT,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const started = await awaitListening(child, 60_000);
  const { url, out } = started;
  if (!url) {
    await child.status;
    await started.drained;
    throw new Error(`${name} did not start in ${host.ns}: ${out}\n${started.logs()}`);
  }
  let stopped: Promise<void> | undefined;
  return {
    name,
    url,
    child,
    logs: started.logs,
    stop() {
      stopped ??= (async () => {
        try {
          child.kill("SIGTERM");
        } catch { /* gone */ }
        const t = setTimeout(() => {
          try {
            child.kill("SIGKILL");
          } catch { /* gone */ }
        }, 10_000);
        await child.status;
        clearTimeout(t);
        await started.drained;
      })();
      return stopped;
    },
  };
}
