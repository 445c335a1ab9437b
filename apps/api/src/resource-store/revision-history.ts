import { resourceKey, type Resource } from "@mesh/shared";
import type { Db, ResourceState } from "./documents.ts";

/** The resources exactly as they were right after revision `revision`, from the RevisionChange history. */
export async function stateAfterRevision(db: Db, revision: number): Promise<ResourceState> {
  const rows = await db.$queryRaw<{ after: Resource | null }[]>`
    SELECT DISTINCT ON (kind, name) "after"
      FROM "RevisionChange"
     WHERE "revisionId" <= ${revision}
     ORDER BY kind, name, "revisionId" DESC, id DESC`;
  return new Map(rows.flatMap((row) => (row.after ? [[resourceKey(row.after), row.after] as const] : [])));
}
