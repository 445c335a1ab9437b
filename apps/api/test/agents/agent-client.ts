import { createTRPCClient, httpLink, httpSubscriptionLink, splitLink } from "@trpc/client";
import type { AgentSnapshot, RegisterInput, RegisterOutput } from "@mesh/shared";
import { EventSource } from "eventsource";
import type { AppRouter } from "../../src/root.ts";
import { EC_P256, generateKeyPair, x509 } from "../../src/ca/x509.ts";

/**
 * A tRPC client as an agent builds it: queries and mutations over HTTP, subscriptions over SSE. Node 20 has no
 * EventSource, so it comes from the `eventsource` package, whose `fetch` option carries the Authorization header.
 */
export function agentClient(url: string, credential: string | null) {
  const authorization: Record<string, string> = credential ? { authorization: `Bearer ${credential}` } : {};
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url: `${url}/trpc`,
          EventSource,
          eventSourceOptions: {
            fetch: (input, init) => fetch(input, { ...init, headers: { ...init.headers, ...authorization } }),
          },
        }),
        false: httpLink({ url: `${url}/trpc`, headers: () => authorization }),
      }),
    ],
  });
}

export type AgentClient = ReturnType<typeof agentClient>;

export interface RegisteredAgent {
  registration: RegisterOutput;
  client: AgentClient;
  heartbeat(health?: "ok" | "degraded", appliedRevision?: number | null): Promise<unknown>;
}

export async function registerAgent(url: string, joinToken: string, input: Partial<RegisterInput> & { service: string }): Promise<RegisteredAgent> {
  const registration = await agentClient(url, joinToken).agent.register.mutate({
    version: "v1",
    address: "127.0.0.1",
    inboundPort: 15006,
    ...input,
  });
  const client = agentClient(url, registration.credential);
  return {
    registration,
    client,
    heartbeat: (health = "ok", appliedRevision = null) =>
      client.agent.heartbeat.mutate({ instanceId: registration.instanceId, health, appliedRevision }),
  };
}

/** Every snapshot an agent's config subscription delivers, newest last. */
export interface SnapshotFeed {
  snapshots: AgentSnapshot[];
  latest(): AgentSnapshot | undefined;
  errors: unknown[];
  stop(): void;
}

export function watchConfig(client: AgentClient): SnapshotFeed {
  const snapshots: AgentSnapshot[] = [];
  const errors: unknown[] = [];
  const subscription = client.agent.config.subscribe(undefined, {
    onData: (snapshot) => snapshots.push(snapshot),
    onError: (error) => errors.push(error),
  });
  return { snapshots, errors, latest: () => snapshots.at(-1), stop: () => subscription.unsubscribe() };
}

/** A CSR as an agent makes it: a fresh P-256 key and the SPIFFE ID as SAN URI. */
export async function agentCsr(spiffeId: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    keys: await generateKeyPair(),
    signingAlgorithm: EC_P256,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }])],
  });
  return csr.toString("pem");
}

export function endpointsOf(snapshot: AgentSnapshot | undefined, service: string): string[] {
  return (snapshot?.destinations[service]?.endpoints ?? []).map((endpoint) => endpoint.instanceId);
}
