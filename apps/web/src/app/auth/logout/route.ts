import { cookies } from "next/headers";
import { NextResponse } from "next/server";
import { crossSiteRefusal } from "../../../session/same-origin.ts";
import { serverApi } from "../../../session/server-api.ts";
import { SESSION_COOKIE } from "../../../session/session-cookie.ts";

export const dynamic = "force-dynamic";

/** Ends the session on the control plane (a copied cookie stops working too), then clears the cookie. */
export async function POST(request: Request): Promise<Response> {
  const crossSite = crossSiteRefusal(request);
  if (crossSite) return NextResponse.json({ error: crossSite }, { status: 403 });
  const secret = (await cookies()).get(SESSION_COOKIE)?.value;
  let revoked = true;
  if (secret) {
    revoked = await serverApi(secret)
      .auth.logout.mutate()
      .then(
        () => true,
        // An unknown, expired or already ended session is as good as ended.
        (error: unknown) => (error as { data?: { code?: string } } | null)?.data?.code === "UNAUTHORIZED",
      );
  }
  const response = revoked
    ? NextResponse.json({ ok: true })
    : NextResponse.json({ error: "the control plane could not end the session; it stays valid until it expires: try again" }, { status: 502 });
  response.cookies.set(SESSION_COOKIE, "", { httpOnly: true, sameSite: "strict", path: "/", maxAge: 0 });
  return response;
}
