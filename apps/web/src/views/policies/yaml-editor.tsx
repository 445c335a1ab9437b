"use client";
import { parseResourcesYaml, ResourceValidationError, type ResourceIssue } from "@mesh/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useMemo } from "react";
import { IssueList, issuesOf } from "../../components/issue-list.tsx";
import { YamlDiff } from "../../components/yaml-diff.tsx";
import { useTRPC } from "../../trpc/trpc.ts";

interface Props {
  yaml: string;
  onChange: (yaml: string) => void;
  disabled: boolean;
}

function checkYaml(yaml: string): ResourceIssue[] {
  if (!yaml.trim()) return [];
  try {
    parseResourcesYaml(yaml);
    return [];
  } catch (error) {
    if (error instanceof ResourceValidationError) return error.issues;
    return [{ document: 1, resource: null, field: "(document)", message: (error as Error).message }];
  }
}

/** Resources as YAML, checked with the same parser the API uses as you type; dry run shows the diff. */
export function YamlEditor({ yaml, onChange, disabled }: Props) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const issues = useMemo(() => checkYaml(yaml), [yaml]);
  const dryRun = useMutation(trpc.resources.applyDocuments.mutationOptions());
  const apply = useMutation(
    trpc.resources.applyDocuments.mutationOptions({
      onSuccess: () => {
        dryRun.reset();
        return queryClient.invalidateQueries();
      },
    }),
  );
  const serverIssues = issuesOf(apply.error ?? dryRun.error);
  const blocked = disabled || !yaml.trim() || issues.length > 0;
  return (
    <div className="stack">
      <label className="field">
        Resources (YAML)
        <textarea
          className="textarea"
          rows={14}
          spellCheck={false}
          value={yaml}
          disabled={disabled}
          onChange={(e) => {
            onChange(e.target.value);
            apply.reset();
          }}
          aria-invalid={issues.length > 0}
          data-testid="yaml-editor"
          placeholder={"apiVersion: mesh/v1\nkind: AccessPolicy\n…"}
        />
      </label>
      <IssueList issues={issues.length ? issues : serverIssues} />
      {(apply.error ?? dryRun.error) && serverIssues.length === 0 && (
        <div className="notice error" role="alert">
          {(apply.error ?? dryRun.error)!.message}
        </div>
      )}
      <div className="row">
        <button type="button" className="button" disabled={blocked || dryRun.isPending} onClick={() => dryRun.mutate({ yaml, dryRun: true })}>
          Dry run
        </button>
        <button type="button" className="button primary" disabled={blocked || apply.isPending} onClick={() => apply.mutate({ yaml, message: "from the dashboard policy editor" })}>
          {apply.isPending ? "Applying…" : "Apply"}
        </button>
        {apply.data && (
          <span className="badge ok" data-testid="apply-result">
            {apply.data.revision === null ? "Nothing changed" : `Applied as revision #${apply.data.revision}`}
          </span>
        )}
      </div>
      {dryRun.data && (
        <div className="stack" style={{ gap: 6 }} data-testid="dry-run">
          {dryRun.data.warnings.map((w) => (
            <div key={w} className="notice info">
              {w}
            </div>
          ))}
          {dryRun.data.changes.map((change) => (
            <div key={`${change.kind}/${change.name}`} className="stack" style={{ gap: 4 }}>
              <span className="small">
                <strong>{change.action}</strong> {change.kind}/{change.name}
              </span>
              {change.action !== "unchanged" && <YamlDiff before={change.before} after={change.after} />}
            </div>
          ))}
        </div>
      )}
    </div>
  );
}
