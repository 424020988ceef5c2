/**
 * SL text that cannot be parsed, or an SL tree that cannot be written. `offset` is the
 * 0-based index (in UTF-16 code units) of the offending token; `line` and `column` are
 * 1-based; `found` quotes what was there (or says "end of input"). Writer errors have no
 * position: `offset` -1, `line` and `column` 0.
 */
export class SlError extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly line: number,
    readonly column: number,
    readonly found: string,
  ) {
    super(message);
    this.name = "SlError";
  }

  /** Builds an error at `offset` of `text`, appending the position to `message`. */
  static at(text: string, offset: number, message: string, found: string): SlError {
    const { line, column } = lineColumn(text, offset);
    return new SlError(`${message} at line ${line}, column ${column}`, offset, line, column, found);
  }
}

/** 1-based line and column of `offset` in `text`. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}
