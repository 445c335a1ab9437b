/** A padlock drawn inline, so it shows without an emoji font. */
export function LockIcon({ size = 12, title = "mTLS" }: { size?: number; title?: string }) {
  return (
    <svg width={size} height={size} viewBox="0 0 16 16" role="img" aria-label={title} data-testid="lock-icon" style={{ verticalAlign: "-1px", flex: "none" }}>
      <title>{title}</title>
      <rect x="2.5" y="7" width="11" height="8" rx="1.5" fill="currentColor" />
      <path d="M5 7V5a3 3 0 0 1 6 0v2" fill="none" stroke="currentColor" strokeWidth="1.6" />
    </svg>
  );
}
