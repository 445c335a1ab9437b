"use client";
import { checkAccess, type MeshConfigSpec, type NamedAccessPolicy } from "@mesh/shared";
import { useMemo } from "react";
import { judgeObservedCalls, type PairVerdict, type SeenCall } from "../../policy/judge-observed-calls.ts";

/** A question the matrix hands to the what-if: this caller, this target, this call. */
export interface MatrixQuestion {
  from: string;
  to: string;
  method: string;
  path: string;
}

interface Props {
  services: string[];
  policies: NamedAccessPolicy[];
  defaultAccess: MeshConfigSpec["defaultAccess"];
  /** Calls seen between services (from the access logs), most-seen first. */
  observed: (SeenCall & { source: string; destination: string })[];
  /** One call to judge every pair on instead of the calls each pair makes. */
  single: { method: string; path: string } | null;
  onAsk: (question: MatrixQuestion) => void;
}

interface Cell {
  verdict: PairVerdict;
  label: string;
  title: string;
  /** The policy that decided (the first denied call's, else the most-seen call's); empty for defaultAccess. */
  policy: string;
  question: MatrixQuestion;
}

const MARK: Record<PairVerdict, string> = { allowed: "✓", "some-paths": "◐", denied: "✕", unused: "·" };
const WORDS: Record<PairVerdict, string> = { allowed: "allowed", "some-paths": "some paths", denied: "denied", unused: "no calls" };

/**
 * Who may call whom: rows are callers, columns targets. Each pair is judged with the shared `checkAccess`
 * across the calls it actually makes (allowed / some paths / denied), or on one call when one is given.
 */
export function AccessMatrix({ services, policies, defaultAccess, observed, single, onAsk }: Props) {
  const cells = useMemo(() => {
    const byPair = new Map<string, SeenCall[]>();
    for (const call of observed) {
      const key = `${call.source}\u0001${call.destination}`;
      byPair.set(key, [...(byPair.get(key) ?? []), call]);
    }
    return services.map((source) =>
      services.map((target): Cell => {
        if (single) {
          const decision = checkAccess(policies, defaultAccess, { source, target, ...single });
          return {
            verdict: decision.allowed ? "allowed" : "denied",
            label: decision.policy ?? "default",
            title: decision.reason,
            policy: decision.policy ?? "",
            question: { from: source, to: target, ...single },
          };
        }
        const judgement = judgeObservedCalls(policies, defaultAccess, source, target, byPair.get(`${source}\u0001${target}`) ?? []);
        const denied = judgement.calls.filter((c) => !c.decision.allowed);
        const ask = denied[0]?.call ?? judgement.mostSeen;
        return {
          verdict: judgement.verdict,
          label: judgement.verdict === "some-paths" ? `${denied.length} of ${judgement.calls.length} denied` : judgement.verdict === "unused" ? "no calls" : `${judgement.calls.length} path${judgement.calls.length === 1 ? "" : "s"}`,
          title: judgement.calls.length
            ? judgement.calls.map(({ call, decision }) => `${decision.allowed ? "allowed" : "denied"}: ${call.method} ${call.path} (${call.count}×) — ${decision.reason}`).join("\n")
            : "No calls seen in the last 15 minutes; click to ask about one.",
          policy: (denied[0] ?? judgement.calls[0])?.decision.policy ?? "",
          question: { from: source, to: target, method: ask?.method ?? "GET", path: ask?.path ?? "/" },
        };
      }),
    );
  }, [services, policies, defaultAccess, observed, single]);
  if (services.length === 0) return <p className="empty">No services yet.</p>;
  return (
    <div className="matrix-scroll">
      <table className="matrix" data-testid="access-matrix">
        <caption className="sr-only">
          {single ? `Access decisions for ${single.method} ${single.path}` : "Access decisions across the calls each pair makes"}: rows are callers, columns are targets
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
                <MatrixCell key={target} source={source} target={target} cell={cells[row]![column]!} onAsk={onAsk} />
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function MatrixCell({ source, target, cell, onAsk }: { source: string; target: string; cell: Cell; onAsk: (question: MatrixQuestion) => void }) {
  return (
    <td className={`matrix-cell ${cell.verdict}`} title={cell.title} data-testid={`cell-${source}-${target}`} data-verdict={cell.verdict} data-allowed={cell.verdict === "allowed"} data-policy={cell.policy}>
      <button type="button" className="matrix-button" onClick={() => onAsk(cell.question)} aria-label={`${source} → ${target}: ${WORDS[cell.verdict]}; ask what if`}>
        <span className="matrix-mark" aria-hidden>
          {MARK[cell.verdict]}
        </span>
        <span className="matrix-policy">{cell.label}</span>
      </button>
    </td>
  );
}
