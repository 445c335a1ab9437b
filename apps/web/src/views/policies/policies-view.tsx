"use client";
import { HTTP_METHODS } from "@mesh/shared";
import { keepPreviousData, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { PageHeader } from "../../components/page-header.tsx";
import { QueryError } from "../../components/query-error.tsx";
import { useMeshConfig } from "../../policy/use-mesh-config.ts";
import { useCan } from "../../session/session-context.tsx";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import { AccessMatrix, type MatrixQuestion } from "./access-matrix.tsx";
import { AccessPolicyForm } from "./access-policy-form.tsx";
import { WhatIfCheck } from "./what-if-check.tsx";
import { YamlEditor } from "./yaml-editor.tsx";

export function PoliciesView() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const canEdit = useCan("editor");
  const services = useQuery(trpc.services.list.queryOptions());
  const accessPolicies = useQuery(trpc.resources.get.queryOptions({ kind: "AccessPolicy" }));
  const meshConfig = useMeshConfig();
  const [method, setMethod] = useState("GET");
  // Empty: each pair is judged on the calls it makes, not on one path.
  const [path, setPath] = useState("");
  const [asked, setAsked] = useState<{ question: MatrixQuestion; nonce: number } | null>(null);
  const callWindow = useTimeWindow(900, true, 15_000);
  const observed = useQuery({ ...trpc.metrics.observedCalls.queryOptions(callWindow), placeholderData: keepPreviousData });
  const [yaml, setYaml] = useState("");
  const remove = useMutation(trpc.resources.delete.mutationOptions({ onSuccess: () => queryClient.invalidateQueries() }));

  const names = (services.data ?? []).map((s) => s.name);
  const policies = (accessPolicies.data ?? []).flatMap((p) => (p.kind === "AccessPolicy" ? [{ name: p.metadata.name, spec: p.spec }] : []));

  return (
    <>
      <PageHeader title="Access policies" description={`Who may call whom. Services no allow policy targets follow defaultAccess: ${meshConfig.defaultAccess}.`} />
      <QueryError error={services.error ?? accessPolicies.error} />
      <section className="card" aria-labelledby="matrix-title">
        <div className="card-header">
          <h2 id="matrix-title">Matrix</h2>
          <div className="row">
            <select className="select" aria-label="Matrix method" value={method} onChange={(e) => setMethod(e.target.value)}>
              {HTTP_METHODS.map((m) => (
                <option key={m}>{m}</option>
              ))}
            </select>
            <input className="input" aria-label="Matrix path" placeholder="paths each pair uses" value={path} onChange={(e) => setPath(e.target.value)} style={{ width: 180 }} />
          </div>
        </div>
        <p className="small muted" style={{ margin: "0 0 8px" }}>
          {path
            ? `Every pair judged on ${method} ${path}.`
            : "Each pair judged on the calls it made in the last 15 minutes: allowed, some paths denied, or denied. Click a cell to ask about one call."}
        </p>
        <QueryError error={observed.error} />
        {services.data && accessPolicies.data && (
          <AccessMatrix
            services={names}
            policies={policies}
            defaultAccess={meshConfig.defaultAccess}
            observed={observed.data ?? []}
            single={path ? { method, path } : null}
            onAsk={(question) => {
              setAsked({ question, nonce: Date.now() });
              document.getElementById("whatif-title")?.scrollIntoView({ block: "center" });
            }}
          />
        )}
      </section>
      <div className="grid grid-2">
        <section className="card stack" aria-labelledby="editor-title">
          <h2 id="editor-title">Write a policy</h2>
          <AccessPolicyForm services={names} disabled={!canEdit} onGenerate={setYaml} />
          <YamlEditor yaml={yaml} onChange={setYaml} disabled={!canEdit} />
        </section>
        <div className="stack" style={{ gap: 16 }}>
          <section className="card stack" aria-labelledby="whatif-title">
            <h2 id="whatif-title">What if…</h2>
            {/* A cell's question re-mounts the form pre-filled and asks it at once. */}
            <WhatIfCheck key={asked?.nonce ?? 0} services={names} initial={asked?.question ?? null} />
          </section>
          <section className="card" aria-labelledby="list-title">
            <div className="card-header">
              <h2 id="list-title">Policies</h2>
              <span className="small muted">{policies.length}</span>
            </div>
            <QueryError error={remove.error} />
            {policies.length === 0 ? (
              <p className="empty">No access policies.</p>
            ) : (
              <table className="table" data-testid="policy-list">
                <thead>
                  <tr>
                    <th>Name</th>
                    <th>Target</th>
                    <th>Action</th>
                    <th>From</th>
                    <th />
                  </tr>
                </thead>
                <tbody>
                  {policies.map((p) => (
                    <tr key={p.name}>
                      <td>{p.name}</td>
                      <td>{p.spec.target}</td>
                      <td>
                        <span className={`badge ${p.spec.action === "deny" ? "bad" : p.spec.action === "allow" ? "ok" : ""}`}>{p.spec.action}</span>
                      </td>
                      <td>{p.spec.from.join(", ")}</td>
                      <td className="num">
                        <button
                          type="button"
                          className="button small danger"
                          disabled={!canEdit || remove.isPending}
                          onClick={() => {
                            if (window.confirm(`Delete AccessPolicy ${p.name}?`)) remove.mutate({ kind: "AccessPolicy", name: p.name });
                          }}
                        >
                          Delete
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </section>
        </div>
      </div>
    </>
  );
}
