import pg from "pg";

/**
 * A digest of every row of every table (bar the migrations ledger), per table: two equal fingerprints mean the
 * requests in between stored nothing, changed nothing and deleted nothing. `ignoreColumns` leaves out what the
 * control plane changes by itself (an instance's health once its heartbeats lapse).
 */
export async function databaseFingerprint(databaseUrl: string, ignoreColumns: Record<string, string[]> = {}): Promise<Record<string, string>> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      `SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' AND table_name <> '_mesh_migrations' ORDER BY 1`,
    );
    const fingerprint: Record<string, string> = {};
    for (const { name } of tables) {
      const { rows } = await client.query<{ count: string; digest: string }>(
        `SELECT count(*)::text AS count, md5(coalesce(string_agg((to_jsonb(t) - $1::text[])::text, '|' ORDER BY (to_jsonb(t) - $1::text[])::text), '')) AS digest FROM "${name}" t`,
        [ignoreColumns[name] ?? []],
      );
      fingerprint[name] = `${rows[0]!.count} rows ${rows[0]!.digest}`;
    }
    return fingerprint;
  } finally {
    await client.end();
  }
}

/** How many revisions exist; a rejected change must leave it as it was. */
export async function revisionCount(client: pg.Client): Promise<number> {
  const { rows } = await client.query<{ count: string }>(`SELECT count(*)::text AS count FROM "Revision"`);
  return Number(rows[0]!.count);
}
