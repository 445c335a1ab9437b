import Link from "next/link";
import { formatDateTime, formatMs } from "../format/figures.ts";
import type { AccessLogLine } from "../types/api.ts";

/** Access log lines; a line that belongs to a trace links to its waterfall. */
export function AccessLogTable({ lines, empty }: { lines: AccessLogLine[]; empty: string }) {
  if (lines.length === 0) return <p className="empty">{empty}</p>;
  return (
    <table className="table" data-testid="access-logs">
      <thead>
        <tr>
          <th>Time</th>
          <th>Side</th>
          <th>Call</th>
          <th>Request</th>
          <th className="num">Status</th>
          <th className="num">Duration</th>
          <th>Trace</th>
        </tr>
      </thead>
      <tbody>
        {lines.map((line) => (
          <tr key={line.id}>
            <td className="muted" style={{ whiteSpace: "nowrap" }}>
              {formatDateTime(line.time)}
            </td>
            <td>{line.direction}</td>
            <td>
              {line.source} → {line.destination}
              {line.version ? <span className="muted"> {line.version}</span> : null}
            </td>
            <td className="mono">
              {line.method} {line.path}
            </td>
            <td className="num" style={{ whiteSpace: "nowrap" }}>
              <span className={`badge ${line.status >= 500 ? "bad" : line.status >= 400 ? "warn" : "ok"}`}>{line.status}</span>
              {line.cause && <div className="small muted">{line.cause}</div>}
            </td>
            <td className="num">{formatMs(line.durationMs)}</td>
            <td>
              {line.traceId ? (
                <Link href={`/traces/${line.traceId}`} className="mono">
                  {line.traceId.slice(0, 8)}…
                </Link>
              ) : (
                <span className="faint">–</span>
              )}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
