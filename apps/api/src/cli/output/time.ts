/** "12s ago", "3m ago", "2h ago", or the date for anything older than a day. */
export function ago(value: string | Date | null | undefined, now = Date.now()): string {
  if (value === null || value === undefined) return "-";
  const time = new Date(value).getTime();
  if (Number.isNaN(time)) return "-";
  const seconds = Math.max(0, Math.round((now - time) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return new Date(time).toISOString().slice(0, 16).replace("T", " ");
}
