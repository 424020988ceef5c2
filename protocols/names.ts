import { z } from "zod";
import type { Performative } from "../runtime/acl/mod.ts";

/**
 * The eleven FIPA interaction protocols, spelled as the `protocol` parameter of an ACL
 * message carries them (FIPA SC00026–SC00036, XC00031–XC00032).
 */
export const PROTOCOL_NAMES = [
  "fipa-request",
  "fipa-query",
  "fipa-request-when",
  "fipa-contract-net",
  "fipa-iterated-contract-net",
  "fipa-brokering",
  "fipa-recruiting",
  "fipa-subscribe",
  "fipa-propose",
  "fipa-auction-english",
  "fipa-auction-dutch",
] as const;

/** One protocol name in canonical spelling, e.g. `"fipa-contract-net"`. */
export type ProtocolName = typeof PROTOCOL_NAMES[number];

const NAME_SET: ReadonlySet<string> = new Set(PROTOCOL_NAMES);

/**
 * Names this runtime used before it followed FIPA's (XC00031/XC00032) and JADE's
 * (`FIPANames.InteractionProtocol`) spelling: still accepted on input, never emitted.
 */
export const PROTOCOL_ALIASES: Readonly<Record<string, ProtocolName>> = {
  "fipa-english-auction": "fipa-auction-english",
  "fipa-dutch-auction": "fipa-auction-dutch",
};

/**
 * Canonical protocol name for `s`, or `undefined` when `s` names none of the eleven.
 * Input is case-insensitive, accepts `_` for `-` and a missing `fipa-` prefix (the Caxton
 * task API writes `contract_net`).
 *
 * @example
 * ```ts
 * parseProtocolName("FIPA-Contract-Net"); // "fipa-contract-net"
 * parseProtocolName("contract_net");      // "fipa-contract-net"
 * parseProtocolName("fipa-english-auction"); // "fipa-auction-english" (old name)
 * parseProtocolName("fipa-gossip");       // undefined
 * ```
 */
export function parseProtocolName(s: string): ProtocolName | undefined {
  const t = s.trim().toLowerCase().replaceAll("_", "-");
  for (const c of [t, `fipa-${t}`]) {
    if (NAME_SET.has(c)) return c as ProtocolName;
    if (Object.hasOwn(PROTOCOL_ALIASES, c)) return PROTOCOL_ALIASES[c];
  }
  return undefined;
}

/** Whether `s` is a protocol name in canonical spelling. */
export function isProtocolName(s: string): s is ProtocolName {
  return NAME_SET.has(s);
}

/** Schema of a protocol name: case-insensitive on input, canonical on output. */
export const ProtocolNameSchema: z.ZodType<ProtocolName, string> = z.string().transform(
  (s, ctx) => {
    const name = parseProtocolName(s);
    if (name === undefined) {
      ctx.addIssue({
        code: "custom",
        message: `unknown interaction protocol '${s.slice(0, 80)}'; expected one of ${
          PROTOCOL_NAMES.join(", ")
        }`,
      });
      return z.NEVER;
    }
    return name;
  },
);

/**
 * The FIPA specification each protocol comes from, for messages and documentation.
 */
export const PROTOCOL_SPECS: Readonly<Record<ProtocolName, string>> = {
  "fipa-request": "SC00026",
  "fipa-query": "SC00027",
  "fipa-request-when": "SC00028",
  "fipa-contract-net": "SC00029",
  "fipa-iterated-contract-net": "SC00030",
  "fipa-auction-english": "XC00031",
  "fipa-auction-dutch": "XC00032",
  "fipa-brokering": "SC00033",
  "fipa-recruiting": "SC00034",
  "fipa-subscribe": "SC00035",
  "fipa-propose": "SC00036",
};

/**
 * The interaction protocol that a communicative act opens when a message does not name
 * one, as a broker or recruiter must assume for the act embedded in a `proxy`
 * (SC00033 §1.1: "the IP for the embedded communicative act is also embedded").
 * `undefined` for acts that open no protocol (e.g. `inform`): no replies are expected.
 */
export function protocolOpenedBy(act: Performative): ProtocolName | undefined {
  switch (act) {
    case "request":
      return "fipa-request";
    case "query-if":
    case "query-ref":
      return "fipa-query";
    case "request-when":
      return "fipa-request-when";
    case "cfp":
      return "fipa-contract-net";
    case "subscribe":
      return "fipa-subscribe";
    case "propose":
      return "fipa-propose";
    case "proxy":
      return "fipa-brokering";
    default:
      return undefined;
  }
}
