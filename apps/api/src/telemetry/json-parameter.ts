/** Rows as one jsonb query parameter; PostgreSQL's jsonb refuses the NUL character, so it is dropped. */
export function jsonParameter(rows: unknown[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => (typeof value === "string" && value.includes("\0") ? value.replaceAll("\0", "") : value));
}
