/** A NUL character, or half of a UTF-16 surrogate pair: PostgreSQL text and jsonb refuse both. */
const UNSTORABLE = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export interface UnstorableText {
  /** Where in the value, as a path of keys and indexes. */
  path: (string | number)[];
  message: string;
}

interface Visit {
  value: unknown;
  key: string | number | null;
  parent: Visit | null;
}

/**
 * The first string (value or object key) in `value` that PostgreSQL cannot store, or null. Walks with its own
 * stack and parent links, so hostile nesting depth neither overflows the call stack nor costs quadratic time.
 */
export function findUnstorableText(value: unknown): UnstorableText | null {
  const pending: Visit[] = [{ value, key: null, parent: null }];
  for (let visit = pending.pop(); visit; visit = pending.pop()) {
    const current = visit.value;
    if (typeof current === "string") {
      if (UNSTORABLE.test(current)) return { path: pathOf(visit), message: describe(current) };
    } else if (Array.isArray(current)) {
      for (let i = current.length - 1; i >= 0; i--) pending.push({ value: current[i], key: i, parent: visit });
    } else if (typeof current === "object" && current !== null) {
      for (const [key, member] of Object.entries(current).reverse()) {
        if (UNSTORABLE.test(key)) return { path: [...pathOf(visit), key], message: `key ${describe(key)}` };
        pending.push({ value: member, key, parent: visit });
      }
    }
  }
  return null;
}

function pathOf(visit: Visit): (string | number)[] {
  const path: (string | number)[] = [];
  for (let at: Visit | null = visit; at && at.key !== null; at = at.parent) path.unshift(at.key);
  return path;
}

function describe(text: string): string {
  return text.includes("\0") ? "contains a NUL character (\\u0000), which cannot be stored" : "contains an unpaired UTF-16 surrogate, which cannot be stored";
}
