import { XMLParser, XMLValidator } from "fast-xml-parser";
import { SaxesParser } from "saxes";

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

/** Why {@link readStrict} gave up; the careful path then decides. */
class NotPlain extends Error {}

/** The local name of an element or attribute, lower case (`env:Params` → `params`). */
function localName(name: string): string {
  const colon = name.lastIndexOf(":");
  return (colon < 0 ? name : name.slice(colon + 1)).toLowerCase();
}

/**
 * The fast path of {@link parseXml}: one pass of saxes (a strict, conforming XML parser) that
 * builds the tree as it reads. Any input it does not take as it is (not well-formed, a DOCTYPE,
 * an HTML entity, more than one root) throws, and {@link parseXml} falls
 * back to the validating path, which decides and words the error.
 */
function readStrict(xml: string): XmlElement {
  const parser = new SaxesParser();
  const stack: XmlElement[] = [];
  let root: XmlElement | undefined;
  parser.on("error", (e) => {
    throw new NotPlain(e.message);
  });
  parser.on("doctype", () => {
    throw new NotPlain("doctype");
  });
  parser.on("opentag", (tag) => {
    const attrs: Record<string, string> = {};
    for (const k in tag.attributes) {
      // fast-xml-parser drops namespace declarations when it drops prefixes.
      if (k === "xmlns" || k.startsWith("xmlns:")) continue;
      attrs[localName(k)] = tag.attributes[k];
    }
    const el: XmlElement = { name: localName(tag.name), attrs, children: [], text: "" };
    const parent = stack[stack.length - 1];
    if (parent) parent.children.push(el);
    else if (root === undefined) root = el;
    else throw new NotPlain("more than one root");
    stack.push(el);
  });
  parser.on("closetag", () => {
    stack.pop();
  });
  const addText = (t: string) => {
    const top = stack[stack.length - 1];
    if (top) top.text += t;
  };
  parser.on("text", addText);
  parser.on("cdata", addText);
  parser.write(xml).close();
  if (root === undefined) throw new NotPlain("no root");
  return root;
}

/**
 * Parses an XML document into its root element, well-formedness checked, a DOCTYPE refused
 * outright so that no entity expansion (billion laughs) or external entity can be smuggled in.
 * Plain documents (the common case: XML entities only, LF line ends, no lone surrogate) are
 * read in one pass with saxes; anything else goes through fast-xml-parser's validator (errors carry line and
 * column) and parser, which also decodes HTML entities and keeps carriage returns as sent.
 * On the saxes path a literal tab or line feed inside an attribute value reads as a space
 * (XML 1.0 attribute-value normalisation); written as `&#9;` / `&#10;` they stay.
 *
 * @throws {XmlSyntaxError} when the text is not one well-formed element or has a DOCTYPE.
 */
export function parseXml(xml: string): XmlElement {
  if (/<!DOCTYPE/i.test(xml)) {
    throw new XmlSyntaxError("XML with a DOCTYPE declaration is not accepted");
  }
  // saxes reads by code point: a lone surrogate would throw it off, so it takes the other path.
  if (!xml.includes("\r") && xml.isWellFormed()) {
    try {
      return readStrict(xml);
    } catch (e) {
      if (!(e instanceof NotPlain)) throw e;
    }
  }
  return parseCarefully(xml);
}

/** The validating path of {@link parseXml}. */
function parseCarefully(xml: string): XmlElement {
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
