/**
 * Why a state-changing request to the dashboard's own routes (login, logout) looks cross-site, or null when it does not.
 * Login CSRF is a cross-site form signing a victim's browser into the attacker's token. Browsers say where a request
 * comes from in Sec-Fetch-Site, which no page can forge: anything but same-origin (or none: typed by the user) is
 * refused. Browsers too old to send it are judged by Origin against the Host they asked for (X-Forwarded-Host behind
 * a proxy). A client that sends neither (curl) is no browser, so there is no victim's cookie jar to plant a session in.
 */
export function crossSiteRefusal(request: Request): string | null {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite) return fetchSite === "same-origin" || fetchSite === "none" ? null : `refused: a ${fetchSite} request (Sec-Fetch-Site) may not sign in or out`;
  const origin = request.headers.get("origin");
  if (origin === null) return null;
  const host = request.headers.get("x-forwarded-host") ?? request.headers.get("host");
  let originHost: string | null = null;
  try {
    originHost = origin === "null" ? null : new URL(origin).host;
  } catch {
    originHost = null;
  }
  if (!originHost || originHost !== host) return `refused: Origin ${origin} is not this dashboard (${host ?? "unknown host"})`;
  return null;
}
