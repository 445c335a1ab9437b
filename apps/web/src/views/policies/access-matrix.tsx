"use client";
import { checkAccess, type AccessDecision, type MeshConfigSpec, type NamedAccessPolicy } from "@mesh/shared";
import { useMemo } from "react";

interface Props {
  services: string[];
  policies: NamedAccessPolicy[];
  defaultAccess: MeshConfigSpec["defaultAccess"];
  method: string;
  path: string;
}

/** Who may call whom: rows are callers, columns targets, each cell the shared `checkAccess` decision. */
export function AccessMatrix({ services, policies, defaultAccess, method, path }: Props) {
  const decisions = useMemo(
    () => services.map((source) => services.map((target) => checkAccess(policies, defaultAccess, { source, target, method, path }))),
    [services, policies, defaultAccess, method, path],
  );
  if (services.length === 0) return <p className="empty">No services yet.</p>;
  return (
    <div className="matrix-scroll">
      <table className="matrix" data-testid="access-matrix">
        <caption className="sr-only">
          Access decisions for {method} {path}: rows are callers, columns are targets
        </caption>
        <thead>
          <tr>
            <th scope="col" className="matrix-corner">
              caller ↓ target →
            </th>
            {services.map((target) => (
              <th key={target} scope="col" className="matrix-target">
                <span>{target}</span>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {services.map((source, row) => (
            <tr key={source}>
              <th scope="row" className="matrix-caller">
                {source}
              </th>
              {services.map((target, column) => (
                <MatrixCell key={target} source={source} target={target} decision={decisions[row]![column]!} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MatrixCell({ source, target, decision }: { source: string; target: string; decision: AccessDecision }) {
  return (
    <td
      className={`matrix-cell ${decision.allowed ? "allowed" : "denied"}`}
      title={decision.reason}
      data-testid={`cell-${source}-${target}`}
      data-allowed={decision.allowed}
      data-policy={decision.policy ?? ""}
    >
      <span className="matrix-mark" aria-hidden>
        {decision.allowed ? "✓" : "✕"}
      </span>
      <span className="sr-only">{decision.allowed ? "allowed" : "denied"}</span>
      <span className="matrix-policy">{decision.policy ?? "default"}</span>
    </td>
  );
}
