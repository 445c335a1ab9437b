import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import type { AppRouter } from "@mesh/api/router";
import { cookies } from "next/headers";
import { meshApiUrl } from "./mesh-api-url.ts";
import { SESSION_COOKIE } from "./session-cookie.ts";

/** The control plane, called from the dashboard's server with the operator's token as a bearer token. */
export function serverApi(token: string): TRPCClient<AppRouter> {
  return createTRPCClient<AppRouter>({
    links: [httpLink({ url: `${meshApiUrl()}/trpc`, headers: { authorization: `Bearer ${token}` } })],
  });
}

/** The signed-in operator's session secret from the cookie, if any; the API takes it as a bearer token. */
export async function sessionToken(): Promise<string | null> {
  return (await cookies()).get(SESSION_COOKIE)?.value ?? null;
}
