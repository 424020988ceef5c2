import { WASI_INTERFACES } from "./worker/wasi.ts";

/** The agent world's package and the versions a node accepts (`0.1.x`). */
export const WORLD_PACKAGE = "fipa:agent";
/** Version of the world this node implements. */
export const WORLD_VERSION = "0.1.0";
const FIPA_INTERFACES = new Set(["messaging", "migration", "storage", "logging"]);
const EXPORTS = ["init", "run", "shutdown", "handleMessage"];

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

/**
 * Checks that a transpiled component fits the agent world: it imports only this
 * package's interfaces (version `0.1.x`) and supported WASI 0.2 interfaces, exports
 * `init`, `run`, `shutdown` and `handle-message` with the world's signatures, and every
 * type or function of the world it uses is the world's own. Types are compared through
 * jco's TypeScript declarations of the component and of the world itself (`reference`).
 *
 * @returns why the component does not fit, or `undefined` when it does.
 */
export function checkWorld(component: Declarations, reference: Declarations): string | undefined {
  const root = component.get("agent.d.ts");
  const refRoot = reference.get("agent.d.ts");
  if (!root || !refRoot) return "component has no root declarations";
  for (const imp of versionedImports(root)) {
    const m = /^([a-z0-9-]+):([a-z0-9-]+)\/([a-z0-9-]+)(?:@(\d+)\.(\d+)\.(\d+)(?:-[^@]*)?)?$/
      .exec(imp);
    if (!m) return `import ${imp} is not an interface of a versioned package`;
    const [, ns, pkg, iface, major, minor] = m;
    const name = `${ns}:${pkg}/${iface}`;
    if (`${ns}:${pkg}` === WORLD_PACKAGE) {
      if (!FIPA_INTERFACES.has(iface)) return `import ${imp}: the agent world has no ${iface}`;
      const [wMajor, wMinor] = WORLD_VERSION.split(".");
      if (major !== wMajor || minor !== wMinor) {
        return `import ${imp}: this node implements ${WORLD_PACKAGE}@${WORLD_VERSION} ` +
          `(accepts ${wMajor}.${wMinor}.x)`;
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
  for (const fn of EXPORTS) {
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
