"use client";
import { validateResources, type TrafficPolicySpec } from "@mesh/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo, useState } from "react";
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
  const initial = useMemo(() => draftFromPolicy(trafficPolicy, versions), [trafficPolicy, versions]);
  const [draft, setDraft] = useState<SplitDraft>(initial);
  const [appliedRevision, setAppliedRevision] = useState<number | null>(null);
  const [baseline, setBaseline] = useState(initial);
  // A new policy from the server (after apply, or someone else's change) restarts the form.
  if (baseline !== initial) {
    setBaseline(initial);
    setDraft(initial);
  }

  const proposed = policyFromDraft(service, trafficPolicy, draft);
  const localIssues = validateResources([proposed]).issues;
  const changed = JSON.stringify(draft) !== JSON.stringify(initial);

  const preview = useMutation(trpc.resources.applyDocuments.mutationOptions());
  const apply = useMutation(
    trpc.resources.applyDocuments.mutationOptions({
      onSuccess: async (result) => {
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
        <WeightSliders slots={draft.slots} disabled={!canEdit} onChange={(slots) => setDraft({ ...draft, slots })} />
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
          <button type="button" className="button ghost" disabled={!changed} onClick={() => setDraft(initial)}>
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
