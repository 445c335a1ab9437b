import { createTRPCClient, httpLink } from "@trpc/client";
import type { AppRouter } from "../root.ts";

export type ApiClient = ReturnType<typeof createApiClient>;

export function createApiClient(apiUrl: string, token: string | undefined) {
  return createTRPCClient<AppRouter>({
    links: [
      httpLink({
        url: `${apiUrl.replace(/\/+$/, "")}/trpc`,
        headers: () => (token ? { authorization: `Bearer ${token}` } : {}),
      }),
    ],
  });
}
