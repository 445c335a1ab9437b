import { formatTime } from "../format/figures.ts";
import { plainError } from "../errors/plain-error.ts";

/** A failed query, in plain words. */
export function QueryError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <div className="notice error" role="alert" data-testid="query-error">
      {plainError(error)}
    </div>
  );
}

/** A live view whose refresh failed: what it shows is from `since`, and why it is not newer. */
export function StaleBanner({ error, since }: { error: unknown; since: number | null }) {
  if (!error) return null;
  return (
    <div className="notice warn" role="alert" data-testid="stale-banner">
      <strong>{since ? `Stale since ${formatTime(since)}.` : "No data yet."}</strong> {plainError(error)} {since ? "Showing the last data received; retrying." : "Retrying."}
    </div>
  );
}
