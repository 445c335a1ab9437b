"use client";
import { skipToken, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ConfirmDialog } from "../../components/dialog/confirm-dialog.tsx";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { YamlDiff } from "../../components/yaml-diff.tsx";
import { formatAgo, formatDateTime } from "../../format/figures.ts";
import { useCan } from "../../session/session-context.tsx";
import { useTRPC } from "../../trpc/trpc.ts";

const ACTION_BADGE: Record<string, string> = { create: "ok", update: "accent", delete: "bad", unchanged: "" };

/** Every change as a revision: who, when, what; any revision's state can be restored as a new one. */
export function HistoryView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("editor");
  const revisions = useQuery(trpc.revisions.list.queryOptions({ limit: 200 }));
  const [openId, setOpenId] = useState<number | null>(null);
  const [restoreId, setRestoreId] = useState<number | null>(null);
  const shownId = openId ?? revisions.data?.[0]?.id ?? null;
  const detail = useQuery(trpc.revisions.get.queryOptions(shownId === null ? skipToken : { id: shownId }));
  const rollback = useMutation(
    trpc.revisions.rollback.mutationOptions({
      onSuccess: async (result) => {
        setRestoreId(null);
        await queryClient.invalidateQueries();
        if (result.revision !== null) setOpenId(result.revision);
      },
    }),
  );
  const latest = revisions.data?.[0]?.id;

  return (
    <>
      <PageHeader title="History" description="Every change to the mesh's resources is a revision with its author, time and diff." />
      <QueryError error={revisions.error ?? rollback.error} />
      {rollback.data && (
        <div className="notice success" role="status" data-testid="rollback-result">
          {rollback.data.revision === null ? "Nothing to restore: the resources already match." : `Restored as revision #${rollback.data.revision}.`}
        </div>
      )}
      <div className="history-layout">
        <section className="card" style={{ padding: 0 }} aria-label="Revisions">
          {revisions.data?.length === 0 && <p className="empty">No changes yet.</p>}
          <ul className="revision-list" data-testid="revision-list">
            {(revisions.data ?? []).map((r) => (
              <li key={r.id} className={r.id === shownId ? "selected" : undefined} data-testid={`revision-${r.id}`}>
                <button type="button" className="revision-open" onClick={() => setOpenId(r.id)} aria-current={r.id === shownId}>
                  <span className="row" style={{ gap: 8 }}>
                    <span className="mono">#{r.id}</span>
                    <span className="badge">{r.operation}</span>
                    {r.restoredFrom !== null && <span className="small muted">restored #{r.restoredFrom}</span>}
                    <span className="spacer" />
                    <span className="small muted" title={formatDateTime(r.createdAt)}>
                      {formatAgo(r.createdAt)}
                    </span>
                  </span>
                  <span className="small">{r.changes.map((c) => `${c.kind}/${c.name}`).join(", ") || "no changes"}</span>
                  <span className="small muted">
                    {r.actor}
                    {r.message ? ` · ${r.message}` : ""}
                  </span>
                </button>
              </li>
            ))}
          </ul>
        </section>
        <section className="card stack" aria-label="Revision details">
          {detail.data && (
            <>
              <div className="row">
                <div>
                  <h2>Revision #{detail.data.id}</h2>
                  <div className="small muted">
                    {detail.data.operation} by {detail.data.actor} · {formatDateTime(detail.data.createdAt)}
                  </div>
                </div>
                <span className="spacer" />
                <button
                  type="button"
                  className="button danger"
                  disabled={!canEdit || detail.data.id === latest}
                  title={detail.data.id === latest ? "This is the current state" : undefined}
                  onClick={() => setRestoreId(detail.data.id)}
                >
                  Roll back to #{detail.data.id}
                </button>
              </div>
              {detail.data.changes.map((change) => (
                <div key={`${change.kind}/${change.name}`} className="stack" style={{ gap: 6 }}>
                  <div className="row small">
                    <span className={`badge ${ACTION_BADGE[change.action] ?? ""}`}>{change.action}</span>
                    <strong>
                      {change.kind}/{change.name}
                    </strong>
                  </div>
                  {change.action !== "unchanged" && <YamlDiff before={change.before} after={change.after} label={`Diff of ${change.kind}/${change.name}`} />}
                </div>
              ))}
            </>
          )}
        </section>
      </div>
      {restoreId !== null && (
        <ConfirmDialog
          title={`Roll back to revision #${restoreId}?`}
          confirmLabel="Roll back"
          pending={rollback.isPending}
          onCancel={() => setRestoreId(null)}
          onConfirm={() => rollback.mutate({ revision: restoreId, message: `rollback to #${restoreId} from the dashboard` })}
        >
          <p style={{ margin: 0 }}>
            Every resource goes back to how it was right after revision #{restoreId}. This is recorded as a new revision, and agents pick it up within seconds.
          </p>
        </ConfirmDialog>
      )}
    </>
  );
}
