"use client";
import { API_VERSION, HTTP_METHODS, type AccessPolicyResource } from "@mesh/shared";
import { stringify } from "yaml";
import { useState, type FormEvent } from "react";

interface Props {
  services: string[];
  disabled: boolean;
  /** Puts the policy the form describes into the YAML editor. */
  onGenerate: (yaml: string) => void;
}

/** A guided way to write one AccessPolicy; the YAML editor is where it is checked and applied. */
export function AccessPolicyForm({ services, disabled, onGenerate }: Props) {
  const [name, setName] = useState("");
  const [target, setTarget] = useState("");
  const [action, setAction] = useState<"allow" | "deny" | "audit">("allow");
  const [from, setFrom] = useState<string[]>([]);
  const [methods, setMethods] = useState<string[]>([]);
  const [paths, setPaths] = useState("");

  function generate(event: FormEvent) {
    event.preventDefault();
    const pathList = paths.split(",").map((p) => p.trim()).filter(Boolean);
    const rule = { ...(methods.length ? { methods } : {}), ...(pathList.length ? { paths: pathList } : {}) };
    const policy = {
      apiVersion: API_VERSION,
      kind: "AccessPolicy",
      metadata: { name },
      spec: { target, action, from, ...(Object.keys(rule).length ? { to: [rule] } : {}) },
    } as AccessPolicyResource;
    onGenerate(stringify(policy, { lineWidth: 0 }));
  }

  const toggle = (list: string[], value: string) => (list.includes(value) ? list.filter((v) => v !== value) : [...list, value]);

  return (
    <form className="stack" onSubmit={generate} aria-label="New access policy">
      <div className="grid grid-3" style={{ gap: 10 }}>
        <label className="field">
          Name
          <input className="input" value={name} disabled={disabled} onChange={(e) => setName(e.target.value)} placeholder="ratings-readers" />
        </label>
        <label className="field">
          Target service
          <select className="select" value={target} disabled={disabled} onChange={(e) => setTarget(e.target.value)}>
            <option value="">choose…</option>
            {services.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <label className="field">
          Action
          <select className="select" value={action} disabled={disabled} onChange={(e) => setAction(e.target.value as typeof action)}>
            <option>allow</option>
            <option>deny</option>
            <option>audit</option>
          </select>
        </label>
      </div>
      <fieldset className="chips" disabled={disabled}>
        <legend className="field">Callers</legend>
        {["*", ...services].map((s) => (
          <label key={s} className="chip">
            <input type="checkbox" checked={from.includes(s)} onChange={() => setFrom(toggle(from, s))} />
            {s === "*" ? "any mesh service" : s}
          </label>
        ))}
      </fieldset>
      <fieldset className="chips" disabled={disabled}>
        <legend className="field">Methods (none = any)</legend>
        {HTTP_METHODS.slice(0, 7).map((m) => (
          <label key={m} className="chip">
            <input type="checkbox" checked={methods.includes(m)} onChange={() => setMethods(toggle(methods, m))} />
            {m}
          </label>
        ))}
      </fieldset>
      <label className="field">
        Paths (comma separated; none = any)
        <input className="input" value={paths} disabled={disabled} onChange={(e) => setPaths(e.target.value)} placeholder="/ratings/*, /health" />
      </label>
      <div>
        <button type="submit" className="button" disabled={disabled}>
          Write YAML
        </button>
      </div>
    </form>
  );
}
