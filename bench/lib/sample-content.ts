/**
 * The content of the message the HTTP benchmarks send (about 250 bytes of JSON), one copy for
 * every benchmark so their figures compare.
 */
export const SAMPLE_CONTENT = {
  action: "process",
  data: { key: "value", list: [1, 2, 3], text: "x".repeat(200) },
} as const;
