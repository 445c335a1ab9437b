"use client";
import type { HeaderRoute } from "./split-policy.ts";

interface Props {
  routes: HeaderRoute[];
  versions: string[];
  onChange: (routes: HeaderRoute[]) => void;
  disabled: boolean;
}

/** Routes that send requests carrying a header value to one version (first match wins, before the split). */
export function HeaderRoutesEditor({ routes, versions, onChange, disabled }: Props) {
  const update = (index: number, patch: Partial<HeaderRoute>) => onChange(routes.map((r, i) => (i === index ? { ...r, ...patch } : r)));
  return (
    <div className="stack" data-testid="header-routes">
      {routes.length === 0 && <p className="small muted" style={{ margin: 0 }}>No header routes: every request follows the split.</p>}
      {routes.map((route, index) => (
        <div className="route-row" key={index}>
          <label className="field">
            Header
            <input className="input" value={route.header} disabled={disabled} placeholder="x-user" onChange={(e) => update(index, { header: e.target.value })} />
          </label>
          <label className="field">
            equals
            <input className="input" value={route.value} disabled={disabled} placeholder="jason" onChange={(e) => update(index, { value: e.target.value })} />
          </label>
          <label className="field">
            send to
            <select className="select" value={route.version} disabled={disabled} onChange={(e) => update(index, { version: e.target.value })}>
              {[...new Set([...versions, route.version])].map((v) => (
                <option key={v}>{v}</option>
              ))}
            </select>
          </label>
          <span className="small muted" style={{ paddingBottom: 8 }}>
            100%
          </span>
          <button type="button" className="button small ghost" aria-label={`Remove route ${index + 1}`} disabled={disabled} onClick={() => onChange(routes.filter((_, i) => i !== index))}>
            ✕
          </button>
        </div>
      ))}
      <div>
        <button type="button" className="button small" disabled={disabled || versions.length === 0} onClick={() => onChange([...routes, { header: "", value: "", version: versions[0] ?? "" }])}>
          Add header route
        </button>
      </div>
    </div>
  );
}
