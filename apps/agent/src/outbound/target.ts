import { normalizeRequestTarget } from "@mesh/shared";

/** What the app asked for: the host it named (a service, maybe with a port) and the normalised path. */
export type OutboundTarget = { host: string; path: string; invalid?: undefined } | { invalid: string };

/**
 * Reads the target from a proxy-style absolute URI (`GET http://ratings/x`, what HTTP_PROXY
 * produces) or from the Host header of a plain request, with the path normalised as the mesh
 * decides on it. null when neither names a host; `invalid` when the path cannot be normalised.
 */
export function outboundTarget(url: string, hostHeader: string | undefined): OutboundTarget | null {
  const target = normalizeRequestTarget(url);
  if (!target.ok) return { invalid: target.reason };
  const host = target.authority ?? hostHeader;
  return host ? { host, path: target.path } : null;
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
