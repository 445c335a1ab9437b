import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink, TRPCClientError } from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "@mesh/api/router";

export type ControlPlaneClient = ReturnType<typeof createTRPCClient<AppRouter>>;

/**
 * tRPC client for the control plane. `token()` is read on every call, so the agent switches from the
 * join token to its own credential (and back after a re-register) without rebuilding the client.
 */
export function createControlPlaneClient(baseUrl: string, token: (path: string) => string | null): ControlPlaneClient {
  const url = `${baseUrl.replace(/\/+$/, "")}/trpc`;
  const authorization = (path: string): Record<string, string> => {
    const value = token(path);
    return value ? { authorization: `Bearer ${value}` } : {};
  };
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: ({ op }) => ({
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...authorization(op.path) } }),
          }),
        }),
        false: httpLink({
          url,
          headers: ({ op }) => authorization(op.path),
          // tRPC always passes a signal of its own, so the timeout is added to it: a call that would hang on a
          // dead connection (a host cut off the network) must not hold back the heartbeats behind it.
          fetch: (input, init) => fetch(input, { ...init, signal: AbortSignal.any([init?.signal, AbortSignal.timeout(10_000)].filter((s) => s != null)) }),
        }),
      }),
    ],
  });
}

/** The tRPC error code of a failed call (e.g. "UNAUTHORIZED"), or null for network failures. */
export function trpcErrorCode(error: unknown): string | null {
  if (error instanceof TRPCClientError) {
    const code = (error.data as { code?: unknown } | undefined)?.code;
    if (typeof code === "string") return code;
  }
  return null;
}

/** True when the control plane no longer knows this agent's credential or instance: register again. */
export function isSessionRejected(error: unknown): boolean {
  const code = trpcErrorCode(error);
  return code === "UNAUTHORIZED" || code === "NOT_FOUND";
}
