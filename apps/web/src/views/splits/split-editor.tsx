"use client";
import { validateResources, type TrafficPolicySpec } from "@mesh/shared";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useMemo, useRef, useState } from "react";
import { IssueList, issuesOf } from "../../components/issue-list.tsx";
import { YamlDiff } from "../../components/yaml-diff.tsx";
import { useCan } from "../../session/session-context.tsx";
import { useTRPC } from "../../trpc/trpc.ts";
import { HeaderRoutesEditor } from "./header-routes-editor.tsx";
import { ObservedSplitChart } from "./observed-split-chart.tsx";
import { draftFromPolicy, policyFromDraft, type SplitDraft } from "./split-policy.ts";
import { WeightSliders } from "./weight-sliders.tsx";

interface Props {
  service: string;
  versions: string[];
  trafficPolicy: TrafficPolicySpec | null;
}

/** Drag the weights, add header routes, preview the TrafficPolicy as a diff, apply, watch traffic follow. */
export function SplitEditor({ service, versions, trafficPolicy }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("editor");
  const serverKey = JSON.stringify(trafficPolicy);
  const initial = useMemo(() => draftFromPolicy(trafficPolicy, versions), [trafficPolicy, versions]);
  const [draft, setDraft] = useState<SplitDraft>(initial);
  const [appliedRevision, setAppliedRevision] = useState<number | null>(null);
  // The policy the edit started from: kept while someone else changes it, so their change shows and is not lost.
  const [started, setStarted] = useState({ key: serverKey, spec: trafficPolicy, draft: initial });
  const restartOnNextPolicy = useRef(false);
  const editing = JSON.stringify(draft) !== JSON.stringify(started.draft);
  const restart = () => {
    setStarted({ key: serverKey, spec: trafficPolicy, draft: initial });
    setDraft(initial);
  };
  if (started.key !== serverKey && (!editing || restartOnNextPolicy.current)) {
    restartOnNextPolicy.current = false;
    restart();
  } else if (started.key === serverKey && started.draft !== initial && !editing) {
    // Same policy, new live versions: start from them.
    setStarted({ ...started, draft: initial });
    setDraft(initial);
  }
  const changedMeanwhile = started.key !== serverKey;
  const revisions = useQuery({ ...trpc.revisions.list.queryOptions({ limit: 50 }), enabled: changedMeanwhile });
  const theirRevision = revisions.data?.find((r) => r.changes.some((c) => c.kind === "TrafficPolicy" && c.name === service));

  const proposed = policyFromDraft(service, started.spec, trafficPolicy, draft);
  const localIssues = validateResources([proposed]).issues;
  const changed = editing;

  const preview = useMutation(trpc.resources.applyDocuments.mutationOptions());
  const apply = useMutation(
    trpc.resources.applyDocuments.mutationOptions({
      onSuccess: async (result) => {
        restartOnNextPolicy.current = true;
        setAppliedRevision(result.revision);
        preview.reset();
        await queryClient.invalidateQueries();
      },
    }),
  );
  const serverIssues = issuesOf(apply.error ?? preview.error);
  const targets = Object.fromEntries((trafficPolicy?.routes?.find((r) => !r.match)?.backends ?? []).map((b) => [b.version, b.weight]));

  return (
    <div className="split-editor" data-testid={`split-editor-${service}`}>
      <div className="stack">
        <h3>Weights</h3>
        {changedMeanwhile && (
          <div className="notice warn" role="alert" data-testid="changed-meanwhile">
            <strong>
              TrafficPolicy/{service} changed{theirRevision ? ` in revision #${theirRevision.id} by ${theirRevision.actor}` : ""} since you started editing.
            </strong>{" "}
            Apply keeps their other fields; the routes and weights become the ones below.{" "}
            <button type="button" className="link-button" onClick={restart}>
              Start over from their version
            </button>
          </div>
        )}
        <WeightSliders slots={draft.slots} disabled={!canEdit} onChange={(slots) => setDraft({ ...draft, slots, slotsTouched: true })} />
        <h3 style={{ marginTop: 8 }}>Header routes</h3>
        <HeaderRoutesEditor routes={draft.headerRoutes} versions={versions} disabled={!canEdit} onChange={(headerRoutes) => setDraft({ ...draft, headerRoutes })} />
        {draft.otherRoutes.length > 0 && <p className="small muted">{draft.otherRoutes.length} other match route(s) are kept as they are.</p>}
        <IssueList issues={localIssues.length ? localIssues : serverIssues} />
        {(apply.error || preview.error) && serverIssues.length === 0 && (
          <div className="notice error" role="alert">
            {(apply.error ?? preview.error)!.message}
          </div>
        )}
        <div className="row">
          <button
            type="button"
            className="button"
            disabled={!canEdit || !changed || localIssues.length > 0 || preview.isPending}
            onClick={() => preview.mutate({ documents: [proposed], dryRun: true })}
          >
            Preview
          </button>
          <button
            type="button"
            className="button primary"
            disabled={!canEdit || !changed || localIssues.length > 0 || apply.isPending}
            onClick={() => apply.mutate({ documents: [proposed], message: `traffic split for ${service} from the dashboard` })}
          >
            {apply.isPending ? "Applying…" : "Apply"}
          </button>
          <button type="button" className="button ghost" disabled={!changed} onClick={restart}>
            Reset
          </button>
          {!canEdit && <span className="small muted">Viewers can look, not change.</span>}
          {appliedRevision !== null && !changed && (
            <span className="badge ok" role="status">
              Applied as revision #{appliedRevision}
            </span>
          )}
        </div>
        {preview.data && changed && (
          <div className="stack" style={{ gap: 6 }}>
            {preview.data.warnings.map((w) => (
              <div key={w} className="notice info">
                {w}
              </div>
            ))}
            {preview.data.changes.map((change) => (
              <YamlDiff key={`${change.kind}/${change.name}`} before={change.before} after={change.after} label={`Preview of ${change.kind}/${change.name}`} />
            ))}
          </div>
        )}
      </div>
      <div className="stack">
        <h3>Observed split</h3>
        <ObservedSplitChart service={service} versions={versions} targets={targets} />
        <p className="small muted" style={{ margin: 0 }}>
          Share of requests each version received (solid) against the configured weights (dashed), every 20 s.
        </p>
      </div>
    </div>
  );
}
