"use client";
import { HTTP_METHODS } from "@mesh/shared";
import { skipToken, useQuery } from "@tanstack/react-query";
import { useState, type FormEvent } from "react";
import { QueryError } from "../../components/query-error.tsx";
import { useTRPC } from "../../trpc/trpc.ts";

const NO_IDENTITY = "";

interface Question {
  from: string | null;
  to: string;
  method: string;
  path: string;
}

/** Asks the control plane (policies.check, the code behind `mesh check`) whether a call would be allowed. */
export function WhatIfCheck({ services, initial }: { services: string[]; initial: { from: string; to: string; method: string; path: string } | null }) {
  const trpc = useTRPC();
  const [from, setFrom] = useState(initial?.from ?? NO_IDENTITY);
  const [to, setTo] = useState(initial?.to ?? "");
  const [method, setMethod] = useState(initial?.method ?? "GET");
  const [path, setPath] = useState(initial?.path ?? "/");
  const [question, setQuestion] = useState<Question | null>(initial);
  const answer = useQuery(trpc.policies.check.queryOptions(question ?? skipToken));

  function ask(event: FormEvent) {
    event.preventDefault();
    setQuestion({ from: from === NO_IDENTITY ? null : from, to, method, path });
  }

  return (
    <form className="stack" onSubmit={ask} aria-label="What-if check" data-testid="what-if">
      <div className="whatif-row">
        <label className="field">
          From
          <select className="select" value={from} onChange={(e) => setFrom(e.target.value)}>
            <option value={NO_IDENTITY}>(no mesh identity)</option>
            {services.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          To
          <select className="select" value={to} onChange={(e) => setTo(e.target.value)} required>
            <option value="">choose…</option>
            {services.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Method
          <select className="select" value={method} onChange={(e) => setMethod(e.target.value)}>
            {HTTP_METHODS.map((m) => (
              <option key={m}>{m}</option>
            ))}
          </select>
        </label>
        <label className="field whatif-path">
          Path
          <input className="input" value={path} onChange={(e) => setPath(e.target.value)} required />
        </label>
        <button type="submit" className="button primary" disabled={!to}>
          Check
        </button>
      </div>
      <QueryError error={answer.error} />
      {answer.data && question && (
        <div className={`notice ${answer.data.allowed ? "success" : "error"}`} data-testid="what-if-answer" role="status">
          <strong>{answer.data.allowed ? "Allowed" : "Denied"}</strong> · {question.from ?? "no identity"} → {question.to} {question.method} {question.path}
          {answer.data.path !== question.path && (
            <div className="small">{answer.data.path === null ? "The agent refuses this path (400 invalid-path)." : `Checked as ${answer.data.path}, the path the agent forwards.`}</div>
          )}
          <div>{answer.data.reason}</div>
          {answer.data.audited.length > 0 && <div className="small">Audited by {answer.data.audited.join(", ")}</div>}
        </div>
      )}
    </form>
  );
}
