const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/** PostgreSQL's jsonb refuses NUL and unpaired surrogates: NUL is dropped, a lone surrogate becomes U+FFFD. */
function storable(text: string): string {
  return text.replaceAll("\0", "").replace(LONE_SURROGATE, "\ufffd");
}

/** Rows as one jsonb query parameter, with every string and object key made storable. */
export function jsonParameter(rows: unknown[]): string {
  return JSON.stringify(rows, (_key, value: unknown) => {
    if (typeof value === "string") return storable(value);
    if (typeof value !== "object" || value === null || Array.isArray(value)) return value;
    const entries = Object.entries(value);
    return entries.some(([key]) => storable(key) !== key) ? Object.fromEntries(entries.map(([key, member]) => [storable(key), member])) : value;
  });
}
