import { WASI_INTERFACES } from "./worker/wasi.ts";

/** The agent world's package. */
export const WORLD_PACKAGE = "fipa:agent";
/** Versions of the world this node implements; it accepts components of `0.1.x` and `0.2.x`. */
export const WORLD_VERSIONS = ["0.1.0", "0.2.0"] as const;
/** One version of the agent world. */
export type WorldVersion = typeof WORLD_VERSIONS[number];
/** The newest version of the world this node implements. */
export const WORLD_VERSION: WorldVersion = "0.2.0";

const V01 = ["messaging", "migration", "storage", "logging"];
/** The package's interfaces in each version. */
const FIPA_INTERFACES: Record<WorldVersion, Set<string>> = {
  "0.1.0": new Set(V01),
  "0.2.0": new Set([...V01, "http", "files", "timers"]),
};
/** The exports each version requires (jco names). */
const EXPORTS: Record<WorldVersion, string[]> = {
  "0.1.0": ["init", "run", "shutdown", "handleMessage"],
  "0.2.0": ["init", "run", "shutdown", "handleMessage", "onTimer"],
};

/** jco's TypeScript declarations of a component, by file name. */
export type Declarations = Map<string, string>;

/** Removes comments and blank lines; collapses whitespace. */
function normalize(ts: string): string {
  return ts
    .replace(/\/\*[\s\S]*?\*\//g, "")
    .split("\n")
    .map((l) => l.replace(/\/\/.*$/, "").trim())
    .filter((l) => l !== "")
    .join("\n");
}

/** Splits a declaration file into its top-level declarations (each starting in column 0). */
function declarations(ts: string): string[] {
  const out: string[] = [];
  let cur: string[] = [];
  for (const line of normalize(ts).split("\n")) {
    if (/^(export |function |import |declare )/.test(line) && cur.length) {
      out.push(cur.join("\n"));
      cur = [];
    }
    cur.push(line);
  }
  if (cur.length) out.push(cur.join("\n"));
  return out;
}

/** The imports named in the root declaration's `ImportObject`, with versions. */
export function versionedImports(rootDts: string): string[] {
  const block = /export interface ImportObject \{([\s\S]*?)\n\}/.exec(rootDts)?.[1] ?? "";
  return [...block.matchAll(/'([^']+)':\s*typeof/g)].map((m) => m[1]);
}

function interfaceFile(name: string): string {
  return `interfaces/${name.replace(/[:/]/g, "-").replace(/@.*$/, "")}.d.ts`;
}

const IMPORT = /^([a-z0-9-]+):([a-z0-9-]+)\/([a-z0-9-]+)(?:@(\d+)\.(\d+)\.(\d+)(?:-[^@]*)?)?$/;

/**
 * The version of the agent world a component was built against: the version its
 * `fipa:agent` imports name (they must agree), or, without any, `0.2.0` when it exports
 * `on-timer` and `0.1.0` otherwise.
 *
 * @returns the version, or why it cannot be told (mixed or unknown versions).
 */
export function worldVersionOf(component: Declarations): WorldVersion | { error: string } {
  const root = component.get("agent.d.ts") ?? "";
  const seen = new Set<string>();
  for (const imp of versionedImports(root)) {
    const m = IMPORT.exec(imp);
    if (m && `${m[1]}:${m[2]}` === WORLD_PACKAGE) seen.add(`${m[4]}.${m[5]}`);
  }
  if (seen.size > 1) {
    return { error: `imports of several versions of ${WORLD_PACKAGE} (${[...seen].join(", ")})` };
  }
  const minor = [...seen][0];
  if (minor === undefined) {
    return rootBlock(root).some((l) => l.startsWith("onTimer(")) ? "0.2.0" : "0.1.0";
  }
  const v = WORLD_VERSIONS.find((w) => w.startsWith(`${minor}.`));
  if (!v) {
    return {
      error: `this node implements ${WORLD_PACKAGE} ${WORLD_VERSIONS.join(" and ")} ` +
        `(accepts ${WORLD_VERSIONS.map((w) => w.replace(/\.\d+$/, ".x")).join(", ")}); ` +
        `the component imports ${minor}.x`,
    };
  }
  return v;
}

/**
 * Checks that a transpiled component fits the agent world of `version` (see
 * {@link worldVersionOf}): it imports only that version's interfaces of this package and
 * supported WASI 0.2 interfaces, exports the version's functions (`init`, `run`,
 * `shutdown`, `handle-message`, and `on-timer` from 0.2.0) with the world's signatures,
 * and every type or function of the world it uses is the world's own. Types are compared
 * through jco's TypeScript declarations of the component and of the world itself
 * (`reference`, transpiled from that version's WIT).
 *
 * @returns why the component does not fit, or `undefined` when it does.
 */
export function checkWorld(
  component: Declarations,
  reference: Declarations,
  version: WorldVersion = "0.1.0",
): string | undefined {
  const root = component.get("agent.d.ts");
  const refRoot = reference.get("agent.d.ts");
  if (!root || !refRoot) return "component has no root declarations";
  for (const imp of versionedImports(root)) {
    const m = IMPORT.exec(imp);
    if (!m) return `import ${imp} is not an interface of a versioned package`;
    const [, ns, pkg, iface, major, minor] = m;
    const name = `${ns}:${pkg}/${iface}`;
    if (`${ns}:${pkg}` === WORLD_PACKAGE) {
      const [wMajor, wMinor] = version.split(".");
      if (major !== wMajor || minor !== wMinor) {
        return `import ${imp}: this node implements ${WORLD_PACKAGE} ` +
          `${WORLD_VERSIONS.join(" and ")} (accepts ${wMajor}.${wMinor}.x for this component)`;
      }
      if (!FIPA_INTERFACES[version].has(iface)) {
        return `import ${imp}: the agent world ${version} has no ${iface}`;
      }
      const mismatch = compareInterface(
        component.get(interfaceFile(imp)),
        reference.get(interfaceFile(imp)),
      );
      if (mismatch) return `import ${imp}: ${mismatch}`;
    } else if (ns === "wasi") {
      if (!WASI_INTERFACES.has(name)) {
        return `import ${imp}: WASI interface ${name} is not available to agents`;
      }
      if (major !== "0" || minor !== "2") return `import ${imp}: only WASI 0.2 is supported`;
    } else {
      return `import ${imp} is neither part of ${WORLD_PACKAGE} nor WASI`;
    }
  }
  const rootDecls = declarations(root);
  for (const d of declarations(refRoot)) {
    const name = /^export type (\w+)/.exec(d)?.[1];
    if (name && !rootDecls.includes(d)) {
      const other = rootDecls.find((x) => x.startsWith(`export type ${name} `));
      if (other) return `type ${name} of the exports is not the world's (${other})`;
    }
  }
  const sigs = new Set(rootBlock(root));
  for (const line of rootBlock(refRoot)) {
    if (!sigs.has(line)) {
      const fn = /^(\w+)\(/.exec(line)?.[1] ?? line;
      const has = [...sigs].find((s) => s.startsWith(`${fn}(`));
      return has
        ? `export ${kebab(fn)} has the wrong signature (${has.replace(/,$/, "")})`
        : `missing export ${kebab(fn)}`;
    }
  }
  for (const fn of EXPORTS[version]) {
    if (![...sigs].some((s) => s.startsWith(`${fn}(`))) return `missing export ${kebab(fn)}`;
  }
  return undefined;
}

function rootBlock(dts: string): string[] {
  const block = /export interface Root \{([\s\S]*?)\n\}/.exec(normalize(dts))?.[1] ?? "";
  return block.split("\n").map((l) => l.trim()).filter((l) => l !== "");
}

function kebab(s: string): string {
  return s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

function compareInterface(got: string | undefined, want: string | undefined): string | undefined {
  if (got === undefined) return undefined;
  if (want === undefined) return "unknown interface";
  const ref = new Set(declarations(want));
  for (const d of declarations(got)) {
    if (!ref.has(d)) {
      const head = d.split("\n")[0].replace(/\s*\{$/, "");
      return `\`${head}\` does not match the world`;
    }
  }
  return undefined;
}
