import { createTRPCClient, httpLink, type TRPCClient } from "@trpc/client";
import type { AppRouter } from "@mesh/api/router";

export type MeshClient = TRPCClient<AppRouter>;

/** A tRPC client of the control plane authenticated with a bearer token (operator, join or agent). */
export function meshClient(apiUrl: string, token: string): MeshClient {
  return createTRPCClient<AppRouter>({ links: [httpLink({ url: `${apiUrl}/trpc`, headers: { authorization: `Bearer ${token}` } })] });
}
