import { NextResponse } from "next/server";
import { SESSION_COOKIE } from "../../../session/session-cookie.ts";
import { whoami } from "../../../session/whoami.ts";

export const dynamic = "force-dynamic";

const SESSION_MAX_AGE_S = 12 * 60 * 60;

/** Checks the token against auth.whoami and, when it names an operator, keeps it in an httpOnly cookie. */
export async function POST(request: Request): Promise<Response> {
  const body = (await request.json().catch(() => null)) as { token?: unknown } | null;
  const token = typeof body?.token === "string" ? body.token.trim() : "";
  if (!token) return NextResponse.json({ error: "enter a token" }, { status: 400 });
  let session;
  try {
    session = await whoami(token);
  } catch {
    return NextResponse.json({ error: "the control plane is unreachable; try again" }, { status: 502 });
  }
  if (!session) return NextResponse.json({ error: "this token is not a valid operator token" }, { status: 401 });
  const response = NextResponse.json(session);
  response.cookies.set(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: new URL(request.url).protocol === "https:",
    path: "/",
    maxAge: SESSION_MAX_AGE_S,
  });
  return response;
}
