import { slFrame, slNumber, type SlTerm } from "../ast.ts";
import { FrameReader, readInteger, readText } from "./frame.ts";
import { slText } from "./text.ts";

/** `search-constraints` (SC00023): how far and how much a search may return. */
export interface SearchConstraints {
  /** Depth of propagation to federated DFs; negative: no limit (loops end by search id). */
  max_depth?: number;
  /** Most results wanted; negative means no limit. */
  max_results?: number;
  search_id?: string;
}

/** Reads `(search-constraints [:max-depth n] [:max-results n] [:search-id s])`. */
export function searchConstraintsFromSl(t: SlTerm, parameter = "constraints"): SearchConstraints {
  const f = new FrameReader(t, "search-constraints", parameter);
  const c: SearchConstraints = {};
  const depth = f.one("max-depth");
  if (depth !== undefined) c.max_depth = readInteger(depth, "max-depth");
  const results = f.one("max-results");
  if (results !== undefined) c.max_results = readInteger(results, "max-results");
  const id = f.one("search-id");
  if (id !== undefined) c.search_id = readText(id, "search-id");
  f.finish();
  return c;
}

/** Writes `search-constraints`. */
export function searchConstraintsToSl(c: SearchConstraints): SlTerm {
  return slFrame("search-constraints", {
    "max-depth": c.max_depth === undefined ? undefined : slNumber(c.max_depth),
    "max-results": c.max_results === undefined ? undefined : slNumber(c.max_results),
    "search-id": c.search_id === undefined ? undefined : slText(c.search_id),
  });
}
