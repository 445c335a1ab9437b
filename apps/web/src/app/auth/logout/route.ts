import { NextResponse } from "next/server";
import { SESSION_COOKIE } from "../../../session/session-cookie.ts";

export const dynamic = "force-dynamic";

export function POST(): Response {
  const response = NextResponse.json({ ok: true });
  response.cookies.set(SESSION_COOKIE, "", { httpOnly: true, sameSite: "strict", path: "/", maxAge: 0 });
  return response;
}
