/** Routing matches on lowercase header names; this object is built only for destinations whose routes match on headers. */
export const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});

/** Flat [name, value, …] as received → { lowercase name: value }, repeated fields joined with ", ". */
export function headerRecord(flat: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let i = 0; i < flat.length; i += 2) {
    const name = flat[i]!.toLowerCase();
    const previous = record[name];
    record[name] = previous === undefined ? flat[i + 1]! : `${previous}, ${flat[i + 1]}`;
  }
  return record;
}
