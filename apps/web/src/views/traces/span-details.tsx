import { formatDateTime, formatMs } from "../../format/figures.ts";
import type { TraceSpan } from "../../types/api.ts";

/** Everything recorded about one span, with the mesh's own error cause up front. */
export function SpanDetails({ span }: { span: TraceSpan }) {
  const attributes = Object.entries(span.attributes);
  return (
    <div className="stack" data-testid="span-details">
      <div>
        <h2>{span.name}</h2>
        <div className="muted small">
          {span.service}
          {span.version ? ` ${span.version}` : ""} · {span.kind}
        </div>
      </div>
      {span.meshError && (
        <div className="notice error" data-testid="mesh-error">
          <strong>x-mesh-error:</strong> {span.meshError}
        </div>
      )}
      <dl className="facts">
        <dt>Duration</dt>
        <dd>{formatMs(span.durationMs)}</dd>
        <dt>Start</dt>
        <dd>{formatDateTime(span.startTime)}</dd>
        <dt>Status</dt>
        <dd>{span.httpStatus ?? "–"}</dd>
        <dt>Span id</dt>
        <dd className="mono">{span.spanId}</dd>
        <dt>Parent</dt>
        <dd className="mono">{span.parentSpanId ?? "–"}</dd>
      </dl>
      {attributes.length > 0 && (
        <table className="table small">
          <thead>
            <tr>
              <th>Attribute</th>
              <th>Value</th>
            </tr>
          </thead>
          <tbody>
            {attributes.map(([key, value]) => (
              <tr key={key}>
                <td className="mono">{key}</td>
                <td className="mono" style={{ wordBreak: "break-all" }}>
                  {typeof value === "string" ? value : JSON.stringify(value)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
