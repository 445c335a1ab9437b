/**
 * Why a state-changing request to the dashboard's own routes (login, logout) looks cross-site, or null when it does not.
 * Browsers send Sec-Fetch-Site and Origin on every POST; a cross-site form (login CSRF: signing a victim's browser into
 * the attacker's token) has `Sec-Fetch-Site: cross-site` and a foreign Origin. A client that sends neither (curl) is no
 * browser, so there is no victim's cookie jar to plant a session in.
 */
export function crossSiteRefusal(request: Request): string | null {
  const fetchSite = request.headers.get("sec-fetch-site");
  if (fetchSite && fetchSite !== "same-origin" && fetchSite !== "none") return `refused: a ${fetchSite} request (Sec-Fetch-Site) may not sign in or out`;
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
