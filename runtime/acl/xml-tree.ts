import { XMLParser, XMLValidator } from "fast-xml-parser";

/** An XML element reduced to what the envelope codec needs. */
export interface XmlElement {
  /** Local name in lower case (namespace prefix dropped; JADE compares names case-insensitively). */
  name: string;
  /** Attributes by lower-case local name, entity-decoded. */
  attrs: Record<string, string>;
  /** Child elements in document order. */
  children: XmlElement[];
  /** Concatenated character data directly inside the element (text and CDATA), decoded. */
  text: string;
}

/** Raised for input that is not well-formed XML or uses a forbidden construct. */
export class XmlSyntaxError extends Error {
  constructor(message: string, readonly line?: number, readonly column?: number) {
    super(message);
    this.name = "XmlSyntaxError";
  }
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  processEntities: true,
  htmlEntities: true,
  removeNSPrefix: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  commentPropName: false,
  // No callbacks read the path: without this the parser builds a path string per tag.
  jPath: false,
});

type OrderedNode = Record<string, unknown>;

function toElement(node: OrderedNode): XmlElement | undefined {
  const key = Object.keys(node).find((k) => k !== ":@");
  if (key === undefined || key === "#text" || key.startsWith("?")) return undefined;
  const rawAttrs = (node[":@"] ?? {}) as Record<string, unknown>;
  const attrs: Record<string, string> = {};
  for (const [k, v] of Object.entries(rawAttrs)) {
    attrs[k.replace(/^.*:/, "").toLowerCase()] = String(v);
  }
  const children: XmlElement[] = [];
  let text = "";
  for (const child of (node[key] ?? []) as OrderedNode[]) {
    if ("#text" in child) text += String(child["#text"]);
    else {
      const el = toElement(child);
      if (el) children.push(el);
    }
  }
  return { name: key.toLowerCase(), attrs, children, text };
}

/**
 * Parses an XML document into its root element. Uses fast-xml-parser: well-formedness is
 * checked first (errors carry line and column); a DOCTYPE is refused outright so that no
 * entity expansion (billion laughs) or external entity can be smuggled in.
 *
 * @throws {XmlSyntaxError} when the text is not one well-formed element or has a DOCTYPE.
 */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) {
    throw new XmlSyntaxError("XML with a DOCTYPE declaration is not accepted");
  }
  const valid = XMLValidator.validate(xml);
  if (valid !== true) {
    const { msg, line, col } = valid.err;
    throw new XmlSyntaxError(
      `XML is not well-formed: ${msg} (line ${line}, column ${col})`,
      line,
      col,
    );
  }
  let doc: OrderedNode[];
  try {
    doc = parser.parse(xml) as OrderedNode[];
  } catch (e) {
    // What the validator let through but the parser refuses (e.g. an unclosed `<?` tag).
    throw new XmlSyntaxError(`XML is not well-formed: ${(e as Error).message}`);
  }
  const roots = doc.map(toElement).filter((e): e is XmlElement => e !== undefined);
  if (roots.length !== 1) {
    throw new XmlSyntaxError(`XML must have exactly one root element, found ${roots.length}`);
  }
  return roots[0];
}

// XML 1.0 Char production: tab, LF, CR and everything from U+0020 except surrogates and FFFE/FFFF.
// deno-lint-ignore no-control-regex
const INVALID_XML_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** Whether `s` holds only characters XML 1.0 can carry. */
export function isXmlSafe(s: string): boolean {
  return !INVALID_XML_CHAR.test(s);
}

/** Escapes character data for element content. */
export function escapeXmlText(s: string): string {
  return s.replaceAll("&", "&amp;").replaceAll("<", "&lt;").replaceAll(">", "&gt;");
}

/** Escapes an attribute value for a double-quoted attribute. */
export function escapeXmlAttr(s: string): string {
  return escapeXmlText(s).replaceAll('"', "&quot;").replaceAll("\r", "&#13;")
    .replaceAll("\n", "&#10;").replaceAll("\t", "&#9;");
}
