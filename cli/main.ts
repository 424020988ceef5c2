/**
 * The fipa-edge command-line client: `deno task cli <command> ...` (see `--help`).
 * @module
 */
import { denoIo } from "./io.ts";
import { runCli } from "./run.ts";

if (import.meta.main) {
  const io = denoIo();
  const status = await runCli(Deno.args, io);
  io.dispose();
  Deno.exit(status);
}
