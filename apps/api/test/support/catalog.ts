import pg from "pg";

/** One line per schema object in `public` (tables, columns, enums, indexes, constraints), sorted, so two databases compare as text. */
export async function describeCatalog(databaseUrl: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const queries = [
      `SELECT format('column %s.%s %s%s null=%s default=%s', table_name, column_name, udt_name,
                     coalesce('(' || coalesce(character_maximum_length, datetime_precision) || ')', ''), is_nullable, coalesce(column_default, '-'))
         FROM information_schema.columns WHERE table_schema = 'public' AND table_name <> '_mesh_migrations'`,
      `SELECT format('enum %s = %s', t.typname, string_agg(e.enumlabel, ',' ORDER BY e.enumsortorder))
         FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE n.nspname = 'public' GROUP BY t.typname`,
      `SELECT format('index %s', indexdef) FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_mesh_migrations'`,
      `SELECT format('constraint %s.%s %s', c.conrelid::regclass, c.conname, pg_get_constraintdef(c.oid))
         FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace
        WHERE n.nspname = 'public' AND c.conrelid <> 0 AND c.conrelid::regclass::text <> '_mesh_migrations'`,
    ];
    const lines: string[] = [];
    for (const sql of queries) {
      const { rows } = await client.query<{ format: string }>(sql);
      lines.push(...rows.map((r) => r.format));
    }
    return lines.sort();
  } finally {
    await client.end();
  }
}

/** Lines only in `a` (prefixed "-") and only in `b` ("+"). */
export function catalogDifferences(a: string[], b: string[]): string[] {
  const inA = new Set(a);
  const inB = new Set(b);
  return [...a.filter((l) => !inB.has(l)).map((l) => `- ${l}`), ...b.filter((l) => !inA.has(l)).map((l) => `+ ${l}`)];
}

export async function executeScript(databaseUrl: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
