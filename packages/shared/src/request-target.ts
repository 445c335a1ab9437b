/**
 * The one path normalisation of the mesh, applied before routing and authorization and to what is
 * forwarded, so a policy decides on exactly the path the app receives (Envoy's `normalize_path` +
 * `merge_slashes`). Rules:
 * - a fragment (`#…`) is never part of the request: it is dropped;
 * - percent-encoded unreserved characters are decoded (`%2e` → `.`, `%41` → `A`); other escapes
 *   are kept, with upper-case hex;
 * - a backslash is a slash (as browsers and Envoy treat it);
 * - `%2F` and `%5C` (an encoded slash or backslash) and `%00` are refused: apps disagree on
 *   whether they separate segments, so no decision made on the path could be trusted;
 * - repeated slashes are merged, and `.` and `..` segments removed (RFC 3986 §5.2.4), never
 *   climbing above the root;
 * - the query is kept as sent.
 */
export type NormalizedPath = { ok: true; path: string } | { ok: false; reason: string };

const SLASH = 47;
const BACKSLASH = 92;
const DOT = 46;
const PERCENT = 37;
const HASH = 35;
const QUESTION = 63;

export type NormalizedTarget = { ok: true; authority: string | null; path: string } | { ok: false; reason: string };

/**
 * A request target as a proxy receives it: the absolute form (`http://vault/x`, what HTTP_PROXY
 * sends) reduced to its authority and origin form, then the path normalised.
 */
export function normalizeRequestTarget(target: string): NormalizedTarget {
  let authority: string | null = null;
  let originForm = target;
  if (target.charCodeAt(0) !== SLASH) {
    const schemeEnd = target.indexOf("://");
    if (schemeEnd === -1) return { ok: false, reason: `the request target "${clip(target)}" is neither a path nor an absolute URI` };
    const authorityStart = schemeEnd + 3;
    let end = authorityStart;
    while (end < target.length && !isAuthorityEnd(target.charCodeAt(end))) end++;
    authority = stripUserInfo(target.slice(authorityStart, end));
    if (authority === "") return { ok: false, reason: `the absolute URI "${clip(target)}" names no host` };
    const rest = target.slice(end);
    originForm = rest === "" || rest.charCodeAt(0) !== SLASH ? `/${rest}` : rest;
  }
  const normalized = normalizeRequestPath(originForm);
  return normalized.ok ? { ok: true, authority, path: normalized.path } : normalized;
}

/** Normalises an origin-form request target (path and optional query). */
export function normalizeRequestPath(target: string): NormalizedPath {
  if (target.charCodeAt(0) !== SLASH) return { ok: false, reason: `the request target "${clip(target)}" is not a path starting with "/"` };
  if (isAlreadyNormal(target)) return { ok: true, path: target };

  const hash = target.indexOf("#");
  const withoutFragment = hash === -1 ? target : target.slice(0, hash);
  const question = withoutFragment.indexOf("?");
  const rawPath = question === -1 ? withoutFragment : withoutFragment.slice(0, question);
  const query = question === -1 ? "" : withoutFragment.slice(question);

  const decoded = decodeUnreserved(rawPath);
  if (!decoded.ok) return decoded;
  return { ok: true, path: removeDotSegments(decoded.path) + query };
}

/**
 * The common case, checked in one pass without allocating: no escape, backslash, fragment, empty
 * segment or segment starting with a dot before the query.
 */
function isAlreadyNormal(target: string): boolean {
  let previous = 0;
  for (let i = 0; i < target.length; i++) {
    const code = target.charCodeAt(i);
    if (code === QUESTION) return target.indexOf("#", i) === -1;
    if (code === PERCENT || code === BACKSLASH || code === HASH) return false;
    if (previous === SLASH && (code === SLASH || code === DOT)) return false;
    previous = code;
  }
  return true;
}

function decodeUnreserved(path: string): NormalizedPath {
  let out = "";
  for (let i = 0; i < path.length; i++) {
    const code = path.charCodeAt(i);
    if (code === BACKSLASH) {
      out += "/";
      continue;
    }
    if (code !== PERCENT) {
      out += path[i];
      continue;
    }
    const value = hexByte(path.charCodeAt(i + 1), path.charCodeAt(i + 2));
    if (value < 0) return { ok: false, reason: `invalid percent-encoding "${path.slice(i, i + 3)}" in the path` };
    if (value === SLASH || value === BACKSLASH) return { ok: false, reason: `an encoded ${value === SLASH ? "slash (%2F)" : "backslash (%5C)"} in the path is refused` };
    if (value === 0) return { ok: false, reason: "an encoded NUL (%00) in the path is refused" };
    out += isUnreserved(value) ? String.fromCharCode(value) : `%${path.slice(i + 1, i + 3).toUpperCase()}`;
    i += 2;
  }
  return { ok: true, path: out };
}

/** RFC 3986 §5.2.4 on an absolute path, with empty segments merged. */
function removeDotSegments(path: string): string {
  const segments = path.split("/");
  const kept: string[] = [];
  const last = segments.length - 1;
  let trailingSlash = false;
  for (let i = 1; i <= last; i++) {
    const segment = segments[i]!;
    trailingSlash = i === last && (segment === "" || segment === "." || segment === "..");
    if (segment === "" || segment === ".") continue;
    if (segment === "..") kept.pop();
    else kept.push(segment);
  }
  if (kept.length === 0) return "/";
  return `/${kept.join("/")}${trailingSlash ? "/" : ""}`;
}

function hexByte(high: number, low: number): number {
  const h = hexDigit(high);
  const l = hexDigit(low);
  return h < 0 || l < 0 ? -1 : h * 16 + l;
}

function hexDigit(code: number): number {
  if (code >= 48 && code <= 57) return code - 48;
  if (code >= 65 && code <= 70) return code - 55;
  if (code >= 97 && code <= 102) return code - 87;
  return -1;
}

/** RFC 3986 unreserved: ALPHA / DIGIT / "-" / "." / "_" / "~". */
function isUnreserved(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || (code >= 48 && code <= 57) || code === 45 || code === DOT || code === 95 || code === 126;
}

function isAuthorityEnd(code: number): boolean {
  return code === SLASH || code === QUESTION || code === HASH || code === BACKSLASH;
}

function stripUserInfo(authority: string): string {
  const at = authority.lastIndexOf("@");
  return at === -1 ? authority : authority.slice(at + 1);
}

function clip(text: string): string {
  return text.length > 64 ? `${text.slice(0, 64)}…` : text;
}
