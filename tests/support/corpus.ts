/**
 * The FIPA conformance corpus kept in the repository (`tests/fixtures/fipa-corpus/`, see its
 * README for where every file comes from). Tests resolve corpus files against this URL.
 *
 * @example
 * ```ts
 * const text = Deno.readTextFileSync(new URL("http-mtp/awap-jade-envelope.xml", CORPUS));
 * ```
 */
export const CORPUS: URL = new URL("../fixtures/fipa-corpus/", import.meta.url);

/** The URL of a file or folder of the corpus, `path` relative to its root (e.g. `acl-string/`). */
export function corpusUrl(path: string): URL {
  return new URL(path, CORPUS);
}
