/** What the app asked for: the host it named (a service, maybe with a port) and the path. */
export interface OutboundTarget {
  host: string;
  path: string;
}

/**
 * Reads the target from a proxy-style absolute URI (`GET http://ratings/x`, what HTTP_PROXY
 * produces) or from the Host header of a plain request. null when neither names a host.
 */
export function outboundTarget(url: string, hostHeader: string | undefined): OutboundTarget | null {
  if (url.charCodeAt(0) !== 47 /* "/" */) {
    const schemeEnd = url.indexOf("://");
    if (schemeEnd !== -1) {
      const authorityStart = schemeEnd + 3;
      const pathStart = url.indexOf("/", authorityStart);
      const queryStart = url.indexOf("?", authorityStart);
      const end = pathStart === -1 ? (queryStart === -1 ? url.length : queryStart) : queryStart === -1 ? pathStart : Math.min(pathStart, queryStart);
      const authority = url.slice(authorityStart, end);
      const rest = url.slice(end);
      const path = rest === "" ? "/" : rest.charCodeAt(0) === 63 /* "?" */ ? `/${rest}` : rest;
      return authority ? { host: stripUserInfo(authority), path } : null;
    }
  }
  return hostHeader ? { host: hostHeader, path: url } : null;
}

/**
 * The service a host names: "ratings", "ratings:9080", "ratings.default.svc.cluster.local" all
 * name ratings. Lowercased, since hostnames are case-insensitive and service names are lowercase.
 */
export function serviceFromHost(host: string): string {
  let end = host.length;
  const colon = host.indexOf(":");
  if (colon !== -1) end = colon;
  const dot = host.indexOf(".");
  if (dot !== -1 && dot < end) end = dot;
  const name = host.slice(0, end);
  return name.toLowerCase();
}

function stripUserInfo(authority: string): string {
  const at = authority.lastIndexOf("@");
  return at === -1 ? authority : authority.slice(at + 1);
}
