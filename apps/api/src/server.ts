import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { TRPCError } from "@trpc/server";
import { createHTTPHandler } from "@trpc/server/adapters/standalone";
import { pino } from "pino";
import { AgentCredentialCache } from "./auth/agent-credential-cache.ts";
import { resolvePrincipal, type BootstrapTokenHashes } from "./auth/principal.ts";
import { loadBootstrapToken } from "./auth/bootstrap-tokens.ts";
import { serviceAccountAttestationFromEnv, type ServiceAccountAttestation } from "./auth/service-account.ts";
import { parseTrustedProxies, sourceAddress, tokenFromRequest } from "./auth/request-token.ts";
import { hashToken } from "./auth/tokens.ts";
import { loadOrCreateAuthority } from "./ca/index.ts";
import { startConfigHub } from "./config-push/index.ts";
import { createPrisma } from "./db/client.ts";
import { startEmbeddedPostgres, type EmbeddedDatabase } from "./db/embedded.ts";
import { migrate } from "./db/migrate.ts";
import { isDatabaseUnavailable } from "./db/unavailable.ts";
import type { ControlPlaneDeps } from "./deps.ts";
import { httpRoutes } from "./http-routes.ts";
import { startInjectionWebhook } from "./inject/server.ts";
import { webhookPortFromEnv } from "./inject/webhook-settings.ts";
import { createApiMetrics, type ApiMetrics } from "./metrics.ts";
import { appRouter } from "./root.ts";
import { installFastTextEncoderStream } from "./text-encoder-stream.ts";
import { DATABASE_UNAVAILABLE_MESSAGE, MAX_REQUEST_BODY_BYTES, type Context } from "./trpc.ts";

/** A client gets this long to send its headers, and this long for the whole request; slow-header clients cannot pin sockets. */
export const HTTP_TIMEOUTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 30_000, checkIntervalMs: 1_000 } as const;

export interface ControlPlaneOptions {
  /** 0 = any free port. */
  port?: number;
  host?: string;
  /** Else an embedded PostgreSQL kept in dataDir. */
  databaseUrl?: string;
  dataDir: string;
  adminToken?: string;
  joinToken?: string;
  trustDomain?: string;
  log?: boolean;
  /** HTTPS port of the Kubernetes sidecar-injection webhook (POST /inject); else MESH_WEBHOOK_PORT; off when neither is set. */
  webhookPort?: number;
  /** Proxies (IP addresses) in front of the control plane whose X-Forwarded-For names the client; else MESH_TRUSTED_PROXIES. */
  trustedProxies?: string[];
  /** Agents may join with their pod's ServiceAccount token (TokenReview); else from MESH_SERVICEACCOUNT_AUDIENCE; null = off. */
  serviceAccountAttestation?: ServiceAccountAttestation | null;
}

export interface ControlPlane {
  url: string;
  port: number;
  adminToken: string;
  joinToken: string;
  trustDomain: string;
  deps: ControlPlaneDeps;
  close(): Promise<void>;
}

export async function startControlPlane(options: ControlPlaneOptions): Promise<ControlPlane> {
  // Node's TextEncoderStream copies each SSE message char by char; with hundreds of subscribers that dominated pushes.
  installFastTextEncoderStream();
  const log = pino({ name: "mesh-api", enabled: options.log ?? true });
  const trustDomain = options.trustDomain ?? "mesh.local";
  const trustedProxies = parseTrustedProxies(options.trustedProxies?.join(",") ?? process.env.MESH_TRUSTED_PROXIES);
  const serviceAccounts = options.serviceAccountAttestation !== undefined ? options.serviceAccountAttestation : serviceAccountAttestationFromEnv();
  await mkdir(options.dataDir, { recursive: true, mode: 0o700 });

  const embedded: EmbeddedDatabase | null = options.databaseUrl ? null : await startEmbeddedPostgres(options.dataDir, (line) => log.debug({ postgres: line.trim() }));
  const databaseUrl = options.databaseUrl ?? embedded!.url;
  const cleanups: Array<() => Promise<void>> = embedded ? [() => embedded.stop()] : [];
  try {
    const { applied } = await migrate(databaseUrl);
    if (applied.length) log.info({ applied }, "applied database migrations");
    const prisma = createPrisma(databaseUrl);
    cleanups.unshift(() => prisma.$disconnect());
    const authority = await loadOrCreateAuthority({ prisma, dataDir: options.dataDir, trustDomain });
    const configHub = await startConfigHub({ prisma, databaseUrl, trustDomain, log });
    cleanups.unshift(() => configHub.close());
    const agentCredentials = new AgentCredentialCache();
    const deps: ControlPlaneDeps = { prisma, databaseUrl, dataDir: options.dataDir, trustDomain, authority, configHub, log, agentCredentials };

    const adminToken = await loadBootstrapToken(options.dataDir, "admin-token", "op", options.adminToken ?? process.env.MESH_ADMIN_TOKEN);
    const joinToken = await loadBootstrapToken(options.dataDir, "join-token", "join", options.joinToken ?? process.env.MESH_JOIN_TOKEN);
    const bootstrap: BootstrapTokenHashes = { admin: hashToken(adminToken.token), join: hashToken(joinToken.token) };

    const server = createServer(
      { headersTimeout: HTTP_TIMEOUTS.headersTimeoutMs, requestTimeout: HTTP_TIMEOUTS.requestTimeoutMs, connectionsCheckingInterval: HTTP_TIMEOUTS.checkIntervalMs },
      requestListener(deps, { bootstrap, trustedProxies, serviceAccounts }, createApiMetrics()),
    );
    cleanups.unshift(() => closeServer(server));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 4000, options.host ?? "0.0.0.0", () => resolve());
    });
    const webhookPort = options.webhookPort ?? webhookPortFromEnv(process.env);
    if (webhookPort !== undefined) {
      const webhook = await startInjectionWebhook(deps, webhookPort);
      cleanups.unshift(() => webhook.close());
    }
    const port = (server.address() as AddressInfo).port;
    const url = `http://127.0.0.1:${port}`;
    log.info({ url, trustDomain }, "control plane listening");
    // Shown once, when made; afterwards they are read from the 0600 files in the data dir.
    for (const made of [adminToken, joinToken]) if (made.generated) log.info({ token: made.token, file: made.file }, `generated ${made.file}`);
    return { url, port, adminToken: adminToken.token, joinToken: joinToken.token, trustDomain, deps, close: () => runAll(cleanups) };
  } catch (error) {
    await runAll(cleanups);
    throw error;
  }
}

interface AuthSettings {
  bootstrap: BootstrapTokenHashes;
  trustedProxies: ReadonlySet<string>;
  serviceAccounts: ServiceAccountAttestation | null;
}

function requestListener(deps: ControlPlaneDeps, { bootstrap, trustedProxies, serviceAccounts }: AuthSettings, metrics: ApiMetrics) {
  const authenticate = (req: IncomingMessage) => resolvePrincipal(deps.prisma, deps.agentCredentials, bootstrap, tokenFromRequest(req), serviceAccounts);
  const trpc = createHTTPHandler({
    router: appRouter,
    basePath: "/trpc/",
    maxBodySize: MAX_REQUEST_BODY_BYTES,
    createContext: async ({ req }): Promise<Context> => {
      try {
        return { deps, principal: await authenticate(req), remoteAddress: sourceAddress(req, trustedProxies) };
      } catch (error) {
        if (isDatabaseUnavailable(error)) throw new TRPCError({ code: "SERVICE_UNAVAILABLE", message: DATABASE_UNAVAILABLE_MESSAGE, cause: error });
        throw error;
      }
    },
    onError: ({ error, path }) => {
      if (error.code === "INTERNAL_SERVER_ERROR") deps.log.error({ err: error, path }, "tRPC procedure failed");
      else if (error.code === "SERVICE_UNAVAILABLE") deps.log.warn({ err: error.cause?.message, path }, "database unavailable");
    },
  });

  return (req: IncomingMessage, res: ServerResponse) => {
    const path = (req.url ?? "/").split("?")[0]!;
    const route = path.startsWith("/trpc/") ? "/trpc" : path;
    res.once("finish", () => metrics.httpRequests.inc({ route: knownRoute(route), code: String(res.statusCode) }));
    if (route === "/trpc") return void trpc(req, res);
    if (req.method === "GET" && path === "/healthz") return void sendText(res, 200, "ok\n");
    if (req.method === "GET" && path === "/ready") return void ready(deps, res);
    if (req.method === "GET" && path === "/metrics") return void sendMetrics(metrics, res);
    const extra = httpRoutes.find((r) => r.method === req.method && r.path === path);
    if (extra) {
      return void Promise.resolve(extra.handle(req, res, deps, () => authenticate(req))).catch((error: unknown) => {
        deps.log.error({ err: error, path }, "HTTP route failed");
        if (res.headersSent) res.destroy();
        else if (isDatabaseUnavailable(error)) sendText(res, 503, `${DATABASE_UNAVAILABLE_MESSAGE}\n`);
        else sendText(res, 500, "internal error\n");
      });
    }
    sendText(res, 404, "not found\n");
  };
}

function knownRoute(route: string): string {
  return ["/trpc", "/healthz", "/ready", "/metrics", ...httpRoutes.map((r) => r.path)].includes(route) ? route : "other";
}

async function ready(deps: ControlPlaneDeps, res: ServerResponse): Promise<void> {
  try {
    await deps.prisma.$queryRaw`SELECT 1`;
    sendText(res, 200, "ready\n");
  } catch (error) {
    sendText(res, 503, `database unavailable: ${(error as Error).message}\n`);
  }
}

async function sendMetrics(metrics: ApiMetrics, res: ServerResponse): Promise<void> {
  const body = await metrics.registry.metrics();
  res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
}

function sendText(res: ServerResponse, status: number, body: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(body);
}

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // Subscriptions (SSE) keep connections open forever; end them so close() returns.
    server.closeAllConnections();
  });
}

async function runAll(cleanups: Array<() => Promise<void>>): Promise<void> {
  for (const cleanup of cleanups) await cleanup().catch(() => undefined);
}
