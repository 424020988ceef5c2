/** Deploying an agent over the HTTP API, timed. */

/**
 * `POST /api/v1/agents` (multipart: `wasm` and `config`) and the time until its `201`, in
 * ms.
 *
 * @throws {Error} on any other status, with the response body.
 */
export async function deployOverHttp(
  url: string,
  bytes: Uint8Array,
  name: string,
  config: Record<string, unknown> = {},
): Promise<number> {
  const form = new FormData();
  form.append("wasm", new Blob([bytes as BlobPart]), `${name}.wasm`);
  form.append("config", JSON.stringify({ name, ...config }));
  const t0 = performance.now();
  const res = await fetch(`${url}/api/v1/agents`, { method: "POST", body: form });
  const text = await res.text();
  const ms = performance.now() - t0;
  if (res.status !== 201) throw new Error(`deploy ${name}: ${res.status} ${text.slice(0, 500)}`);
  return ms;
}

/**
 * The instrumented core modules a node cached for its components (those `meta.json` of
 * `<dataDir>/components/<hash>/` lists).
 */
export async function cachedCoreModules(dataDir: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const d of Deno.readDir(`${dataDir}/components`)) {
    if (!d.isDirectory) continue;
    const dir = `${dataDir}/components/${d.name}`;
    const meta = JSON.parse(await Deno.readTextFile(`${dir}/meta.json`)) as {
      modules: { name: string }[];
    };
    for (const m of meta.modules) out.push(await Deno.readFile(`${dir}/${m.name}`));
  }
  return out;
}
