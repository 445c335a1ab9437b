"use client";
import { API_VERSION, type MeshConfigSpec } from "@mesh/shared";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { QueryError } from "../../components/query-error.tsx";
import { useMeshConfig } from "../../policy/use-mesh-config.ts";
import { useTRPC } from "../../trpc/trpc.ts";

/** mTLS mode and the default access decision: the MeshConfig resource. */
export function MeshConfigCard({ isAdmin }: { isAdmin: boolean }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const config = useMeshConfig();
  const [draft, setDraft] = useState<MeshConfigSpec | null>(null);
  const shown = draft ?? config;
  const apply = useMutation(
    trpc.resources.applyDocuments.mutationOptions({
      onSuccess: async () => {
        setDraft(null);
        await queryClient.invalidateQueries();
      },
    }),
  );
  const changed = draft !== null && JSON.stringify(draft) !== JSON.stringify(config);
  return (
    <section className="card stack" aria-labelledby="meshconfig-title">
      <div className="card-header" style={{ marginBottom: 0 }}>
        <h2 id="meshconfig-title">Mesh</h2>
        {!isAdmin && <span className="small muted">Only admins change mesh settings.</span>}
      </div>
      <div className="grid grid-2" style={{ gap: 12 }}>
        <label className="field">
          mTLS
          <select className="select" value={shown.mtls} disabled={!isAdmin} onChange={(e) => setDraft({ ...shown, mtls: e.target.value as MeshConfigSpec["mtls"] })}>
            <option value="strict">strict — plaintext to inbound ports is refused</option>
            <option value="permissive">permissive — plaintext accepted too</option>
          </select>
        </label>
        <label className="field">
          Default access
          <select
            className="select"
            value={shown.defaultAccess}
            disabled={!isAdmin}
            onChange={(e) => setDraft({ ...shown, defaultAccess: e.target.value as MeshConfigSpec["defaultAccess"] })}
          >
            <option value="allow">allow — when no allow policy targets a service</option>
            <option value="deny">deny — only what a policy allows</option>
          </select>
        </label>
      </div>
      <QueryError error={apply.error} />
      <div className="row">
        <button
          type="button"
          className="button primary"
          disabled={!isAdmin || !changed || apply.isPending}
          onClick={() => apply.mutate({ documents: [{ apiVersion: API_VERSION, kind: "MeshConfig", metadata: { name: "default" }, spec: shown }], message: "mesh settings from the dashboard" })}
        >
          Save
        </button>
        {apply.data?.revision != null && <span className="badge ok">Saved as revision #{apply.data.revision}</span>}
      </div>
    </section>
  );
}
