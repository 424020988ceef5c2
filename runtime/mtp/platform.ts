import { z } from "zod";
import { slString, slTerm } from "./sl-terms.ts";
import { ACL_STRING_REPRESENTATION, HTTP_MTP_NAME, XML_ENVELOPE_REPRESENTATION } from "./names.ts";

/** Content languages listed when the configuration names none. */
export const DEFAULT_CONTENT_LANGUAGES: readonly string[] = ["fipa-sl0", "fipa-sl"];

/** What {@link apDescription} is computed from. */
export interface PlatformConfig {
  /** Platform name, e.g. `fipa-edge` or `node-a:8080/fipa-edge`. */
  name: string;
  /** Our MTP addresses as the world must use them. When absent, built from host/port. */
  mtpAddresses?: string[];
  /** Host name or IP the ACC is reachable at (used when `mtpAddresses` is absent). */
  host?: string;
  /** Port of the ACC (used when `mtpAddresses` is absent). */
  port?: number;
  /** `http` (default) or `https`. */
  scheme?: "http" | "https";
  /** Path of the ACC endpoint; default `/acc`. */
  accPath?: string;
  /** Content languages to advertise; default {@link DEFAULT_CONTENT_LANGUAGES}. */
  contentLanguages?: string[];
}

/** One transport service of the platform (SC00023 `ap-service`). */
export interface ApService {
  name: string;
  type: string;
  addresses: string[];
}

/** What `GET /api/v1/platform` returns: the agent platform description (SC00023 §6.1.4). */
export interface ApDescription {
  name: string;
  ap_services: ApService[];
  /** ACL representations accepted on the MTP. */
  acl_representations: string[];
  /** Envelope representations accepted on the MTP. */
  envelope_representations: string[];
  content_languages: string[];
}

const Word = z.string().min(1).max(256).regex(
  /^[^\s()"]+$/,
  "must not contain whitespace, quotes or parentheses",
);
const HttpUrl = z.string().max(2048).refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === "http:" || u.protocol === "https:") && u.hostname !== "";
  } catch {
    return false;
  }
}, "must be an absolute http(s) URL");

/** Schema of {@link PlatformConfig}; an address is required one way or the other. */
export const PlatformConfigSchema = z.strictObject({
  name: z.string().min(1).max(256),
  mtpAddresses: z.array(HttpUrl).max(16).optional(),
  host: z.string().min(1).max(253).regex(/^[^\s/?#@]+$/, "must be a bare host name or IP")
    .optional(),
  port: z.number().int().min(1).max(65535).optional(),
  scheme: z.enum(["http", "https"]).optional(),
  accPath: z.string().regex(/^\/[^\s?#]*$/, "must start with / and hold no query").optional(),
  contentLanguages: z.array(Word).max(32).optional(),
}).refine(
  (c) => c.mtpAddresses !== undefined || c.host !== undefined,
  { message: "either mtpAddresses or host is required", path: ["host"] },
);

/**
 * The agent platform description for `GET /api/v1/platform`, a pure function of the
 * configuration: platform name, the HTTP MTP service with our ACC addresses
 * (`http://host:port/acc`), ACL and envelope representations we speak, content languages.
 *
 * @throws {z.ZodError} naming the bad configuration field.
 * @example
 * ```ts
 * apDescription({ name: "fipa-edge", host: "node-a", port: 8080 }).ap_services[0].addresses;
 * // ["http://node-a:8080/acc"]
 * ```
 */
export function apDescription(config: PlatformConfig): ApDescription {
  const c = PlatformConfigSchema.parse(config);
  let addresses = c.mtpAddresses;
  if (!addresses) {
    const host = c.host!.includes(":") && !c.host!.startsWith("[") ? `[${c.host}]` : c.host!;
    const port = c.port !== undefined ? `:${c.port}` : "";
    addresses = [`${c.scheme ?? "http"}://${host}${port}${c.accPath ?? "/acc"}`];
  }
  return {
    name: c.name,
    ap_services: [{ name: HTTP_MTP_NAME, type: HTTP_MTP_NAME, addresses: [...addresses] }],
    acl_representations: [ACL_STRING_REPRESENTATION],
    envelope_representations: [XML_ENVELOPE_REPRESENTATION],
    content_languages: [...(c.contentLanguages ?? DEFAULT_CONTENT_LANGUAGES)],
  };
}

/**
 * The description as the FIPA-SL term an AMS returns for `get-description` (as JADE writes
 * it): `(ap-description :name "<name>" :ap-services (sequence (ap-service :name … :type …
 * :addresses (sequence …))))`.
 */
export function apDescriptionToSl(desc: ApDescription): string {
  const services = desc.ap_services.map((s) =>
    `(ap-service :name ${slTerm(s.name)} :type ${slTerm(s.type)} :addresses (sequence ${
      s.addresses.map(slTerm).join(" ")
    }))`
  );
  return `(ap-description :name ${slString(desc.name)} :ap-services (sequence ${
    services.join(" ")
  }))`;
}
