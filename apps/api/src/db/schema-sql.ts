// Tooling (drift test, migration authoring): turns prisma/schema.prisma into the SQL Prisma would run,
// with @prisma/schema-engine-wasm, since the schema-engine binary cannot be downloaded here.
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { PrismaPg } from "@prisma/adapter-pg";
import { bindMigrationAwareSqlAdapterFactory } from "@prisma/driver-adapter-utils";
import * as engineModule from "@prisma/schema-engine-wasm/schema_engine_bg";

export const SCHEMA_FILE = fileURLToPath(new URL("../../../../prisma/schema.prisma", import.meta.url));

// Node has WebAssembly; this project's lib settings (no DOM) do not declare it.
const wasmRuntime = (globalThis as unknown as { WebAssembly: { instantiate(bytes: Uint8Array, imports: object): Promise<{ instance: { exports: Record<string, unknown> } }> } }).WebAssembly;

let wasmLoaded: Promise<void> | null = null;

// The package's entry imports the .wasm as an ES module, which Node 20 cannot; instantiate it by hand.
function loadWasm(): Promise<void> {
  wasmLoaded ??= (async () => {
    const gluePath = createRequire(import.meta.url).resolve("@prisma/schema-engine-wasm/schema_engine_bg");
    const wasmPath = gluePath.replace(/\.js$/, ".wasm");
    const { instance } = await wasmRuntime.instantiate(await readFile(wasmPath), { "./schema_engine_bg.js": engineModule });
    (engineModule as unknown as { __wbg_set_wasm(exports: object): void }).__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as (() => void) | undefined)?.();
  })();
  return wasmLoaded;
}

/** The SQL script that creates `schema` in an empty database (what `prisma migrate diff --from-empty` prints). */
export async function sqlForSchema(schema: string, connectionUrl: string): Promise<string> {
  await loadWasm();
  // The engine insists on a driver adapter even for an offline diff; it only opens a connection.
  const adapter = bindMigrationAwareSqlAdapterFactory(new PrismaPg({ connectionString: connectionUrl }));
  const engine = await engineModule.SchemaEngine.new({ datamodels: [["schema.prisma", schema]] }, () => {}, adapter);
  try {
    const result = await engine.diff({
      from: { tag: "empty" },
      to: { tag: "schemaDatamodel", files: [{ path: "schema.prisma", content: schema }] },
      script: true,
      exitCode: null,
      filters: { externalTables: [], externalEnums: [] },
    });
    return result.stdout ?? "";
  } finally {
    engine.free();
  }
}
