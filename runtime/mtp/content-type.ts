/** A parsed media type: `type/subtype` in lower case and its parameters. */
export interface MediaType {
  /** e.g. `multipart/mixed`, lower case. */
  type: string;
  /** Parameters by lower-case name; quoted values unquoted (`boundary`, `charset`, ...). */
  params: Record<string, string>;
}

/**
 * Parses a `Content-Type` value (RFC 9110 §8.3.1), leniently: spaces are allowed around `;`
 * and `=` (JADE writes `multipart/mixed ; boundary="..."`), parameter values may be tokens or
 * quoted strings with `\` escapes. A media type without `/` is kept as written in lower case
 * (JADE labels ACL parts with the bare representation name, `fipa.acl.rep.string.std`).
 *
 * @example
 * ```ts
 * parseMediaType('multipart/mixed ; boundary="a b"');
 * // { type: "multipart/mixed", params: { boundary: "a b" } }
 * ```
 */
export function parseMediaType(value: string): MediaType {
  let i = value.indexOf(";");
  if (i < 0) i = value.length;
  const type = value.slice(0, i).trim().toLowerCase();
  const params: Record<string, string> = {};
  while (i < value.length) {
    i++; // past ';'
    const eq = value.indexOf("=", i);
    const semi = value.indexOf(";", i);
    if (eq < 0 || (semi >= 0 && semi < eq)) {
      // A parameter without value: skip it.
      i = semi < 0 ? value.length : semi;
      continue;
    }
    const name = value.slice(i, eq).trim().toLowerCase();
    let j = eq + 1;
    while (value[j] === " " || value[j] === "\t") j++;
    let v = "";
    if (value[j] === '"') {
      j++;
      while (j < value.length && value[j] !== '"') {
        if (value[j] === "\\" && j + 1 < value.length) j++;
        v += value[j++];
      }
      j++; // closing quote
      const next = value.indexOf(";", j);
      i = next < 0 ? value.length : next;
    } else {
      const next = value.indexOf(";", j);
      const end = next < 0 ? value.length : next;
      v = value.slice(j, end).trim();
      i = end;
    }
    if (name && !(name in params)) params[name] = v;
  }
  return { type, params };
}
