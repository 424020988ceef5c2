import { ByteWriter } from "./bytes.ts";

/**
 * A tiny core module that imports the host's `refill: () -> i32` and
 * `grow: (i32, i32) -> i32` from namespace `h` and re-exports them as WebAssembly
 * functions, which is what a funcref table (the hook table of an instrumented module)
 * can hold.
 */
export function hookModuleBytes(): Uint8Array {
  const section = (id: number, body: Uint8Array) =>
    new ByteWriter().byte(id).u32(body.length).bytes(body).toBytes();
  const types = new ByteWriter().u32(2)
    .bytes([0x60, 0x00, 0x01, 0x7f])
    .bytes([0x60, 0x02, 0x7f, 0x7f, 0x01, 0x7f])
    .toBytes();
  const imports = new ByteWriter().u32(2)
    .name("h").name("refill").byte(0).u32(0)
    .name("h").name("grow").byte(0).u32(1)
    .toBytes();
  const exports = new ByteWriter().u32(2)
    .name("refill").byte(0).u32(0)
    .name("grow").byte(0).u32(1)
    .toBytes();
  return new ByteWriter()
    .bytes([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])
    .bytes(section(1, types))
    .bytes(section(2, imports))
    .bytes(section(7, exports))
    .toBytes();
}
