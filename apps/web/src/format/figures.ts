/** Numbers as people read them on the dashboard; "–" when there is nothing to show. */

export function formatRate(perSecond: number | null | undefined): string {
  if (perSecond == null || !Number.isFinite(perSecond)) return "–";
  if (perSecond === 0) return "0 rps";
  if (perSecond < 0.1) return `${perSecond.toFixed(2)} rps`;
  if (perSecond < 10) return `${perSecond.toFixed(1)} rps`;
  return `${Math.round(perSecond).toLocaleString("en-US")} rps`;
}

export function formatPercent(percent: number | null | undefined): string {
  if (percent == null || !Number.isFinite(percent)) return "–";
  if (percent === 0) return "0%";
  if (percent < 0.1) return "<0.1%";
  if (percent < 10) return `${percent.toFixed(1)}%`;
  return `${Math.round(percent)}%`;
}

export function formatMs(ms: number | null | undefined): string {
  if (ms == null || !Number.isFinite(ms)) return "–";
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function formatTime(when: string | number | Date): string {
  const date = when instanceof Date ? when : new Date(when);
  return date.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit", second: "2-digit", hour12: false });
}

export function formatDateTime(when: string | number | Date): string {
  const date = when instanceof Date ? when : new Date(when);
  return `${date.toLocaleDateString("en-CA")} ${formatTime(date)}`;
}

export function formatAgo(when: string | number | Date, now = Date.now()): string {
  const date = when instanceof Date ? when : new Date(when);
  const seconds = Math.max(0, Math.round((now - date.getTime()) / 1000));
  if (seconds < 60) return `${seconds}s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)}h ago`;
  return `${Math.floor(seconds / 86_400)}d ago`;
}
