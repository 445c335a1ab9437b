import { NextResponse } from "next/server";
import { crossSiteRefusal } from "../../../session/same-origin.ts";
import { serverApi } from "../../../session/server-api.ts";
import { SESSION_COOKIE } from "../../../session/session-cookie.ts";

export const dynamic = "force-dynamic";

/**
 * Trades an operator token for a server-side session (auth.createSession) and keeps only the session secret in an
 * httpOnly cookie: the token never reaches the browser's cookie jar, and logout ends the session on the server.
 * Cross-site requests and non-JSON bodies (what an HTML form can send) are refused (login CSRF).
 */
export async function POST(request: Request): Promise<Response> {
  const crossSite = crossSiteRefusal(request);
  if (crossSite) return NextResponse.json({ error: crossSite }, { status: 403 });
  const contentType = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(contentType)) {
    return NextResponse.json({ error: `send the token as application/json, not ${contentType || "no content type"}` }, { status: 415 });
  }
  const body = (await request.json().catch(() => null)) as { token?: unknown } | null;
  const token = typeof body?.token === "string" ? body.token.trim() : "";
  if (!token) return NextResponse.json({ error: "enter a token" }, { status: 400 });
  let session;
  try {
    session = await serverApi(token).auth.createSession.mutate();
  } catch (error) {
    if (isAuthError(error)) return NextResponse.json({ error: "this token is not a valid operator token" }, { status: 401 });
    return NextResponse.json({ error: "the control plane is unreachable; try again" }, { status: 502 });
  }
  const response = NextResponse.json({ name: session.name, role: session.role });
  response.cookies.set(SESSION_COOKIE, session.secret, {
    httpOnly: true,
    sameSite: "strict",
    secure: isHttps(request),
    path: "/",
    maxAge: Math.max(0, Math.floor((Date.parse(session.expiresAt) - Date.now()) / 1000)),
  });
  return response;
}

function isAuthError(error: unknown): boolean {
  const code = (error as { data?: { code?: string } } | null)?.data?.code;
  return code === "UNAUTHORIZED" || code === "FORBIDDEN";
}

/** Behind a TLS-terminating proxy the request Next sees is http; the proxy says https in X-Forwarded-Proto. */
function isHttps(request: Request): boolean {
  return new URL(request.url).protocol === "https:" || request.headers.get("x-forwarded-proto")?.split(",")[0]?.trim() === "https";
}
