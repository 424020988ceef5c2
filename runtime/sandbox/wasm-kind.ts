/** What a byte string is, judged by its WebAssembly preamble. */
export type WasmKind = "component" | "core-module" | "not-wasm";

/**
 * Tells a component from a core module from anything else by the 8-byte preamble:
 * `\0asm`, then version 1 layer 0 (core) or version 0x0d layer 1 (component).
 */
export function wasmKind(bytes: Uint8Array): WasmKind {
  if (
    bytes.length < 8 || bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 ||
    bytes[3] !== 0x6d
  ) {
    return "not-wasm";
  }
  const version = bytes[4] | (bytes[5] << 8);
  const layer = bytes[6] | (bytes[7] << 8);
  if (layer === 0 && version === 1) return "core-module";
  if (layer === 1) return "component";
  return "not-wasm";
}
