"use client";
import { MutationCache, QueryCache, QueryClient, QueryClientProvider } from "@tanstack/react-query";
import { createTRPCClient, httpBatchLink } from "@trpc/client";
import { useState, type ReactNode } from "react";
import type { AppRouter } from "@mesh/api/router";
import { apiFetch, isUnauthorized } from "../errors/plain-error.ts";
import { CLIENT_HEADER } from "../session/session-cookie.ts";
import { TRPCProvider } from "./trpc.ts";

/** A revoked or expired token: back to the login page, which returns here after signing in. */
function signInAgain(error: unknown): void {
  if (!isUnauthorized(error) || typeof window === "undefined" || window.location.pathname === "/login") return;
  const here = `${window.location.pathname}${window.location.search}`;
  window.location.assign(`/login?next=${encodeURIComponent(here)}`);
}

function makeQueryClient(): QueryClient {
  return new QueryClient({
    queryCache: new QueryCache({ onError: signInAgain }),
    mutationCache: new MutationCache({ onError: signInAgain }),
    defaultOptions: {
      queries: {
        staleTime: 2_000,
        refetchOnWindowFocus: false,
        // Auth and validation errors will not change on retry.
        retry: (failures, error) => failures < 2 && !isClientError(error),
      },
    },
  });
}

function isClientError(error: unknown): boolean {
  const status = (error as { data?: { httpStatus?: number } } | null)?.data?.httpStatus;
  return status !== undefined && status >= 400 && status < 500;
}

/** Same-origin /trpc (forwarded to the API) with the header that lets the API read the session cookie. */
export function QueryProvider({ children }: { children: ReactNode }) {
  const [queryClient] = useState(makeQueryClient);
  const [trpcClient] = useState(() =>
    createTRPCClient<AppRouter>({
      links: [httpBatchLink({ url: "/trpc", headers: { [CLIENT_HEADER]: "web" }, maxItems: 10, fetch: apiFetch })],
    }),
  );
  return (
    <QueryClientProvider client={queryClient}>
      <TRPCProvider trpcClient={trpcClient} queryClient={queryClient}>
        {children}
      </TRPCProvider>
    </QueryClientProvider>
  );
}
