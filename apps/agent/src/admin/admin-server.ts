import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { X509Certificate } from "node:crypto";
import type { Registry } from "prom-client";
import type { AgentState } from "../state.ts";
import type { ControlPlaneLink } from "../discovery/discovery.ts";
import { readinessGaps } from "./readiness.ts";

export interface AdminServerOptions {
  state: AgentState;
  registry: Registry;
  port: number;
  host?: string;
  /** The control-plane link for /config; absent in tests of the admin server alone. */
  controlPlane?: () => ControlPlaneLink;
}

export interface AdminServer {
  port: number;
  /** From now on /ready answers 503, so load balancers and callers stop sending new work. */
  setDraining(): void;
  close(): Promise<void>;
}

/** The agent's local admin endpoints: /healthz, /ready, /metrics, /config. Bound to loopback by default. */
export async function startAdminServer(options: AdminServerOptions): Promise<AdminServer> {
  const { state, registry } = options;
  let draining = false;

  const routes = new Map<string, (res: ServerResponse) => Promise<void> | void>([
    ["/healthz", (res) => sendJson(res, 200, { status: "alive" })],
    [
      "/ready",
      (res) => {
        const gaps = readinessGaps(state, draining);
        sendJson(res, gaps.length ? 503 : 200, gaps.length ? { ready: false, missing: gaps } : { ready: true });
      },
    ],
    [
      "/metrics",
      async (res) => {
        const text = await registry.metrics();
        res.writeHead(200, { "content-type": registry.contentType });
        res.end(text);
      },
    ],
    ["/config", (res) => sendJson(res, 200, describeConfig(state, options.controlPlane?.() ?? null))],
  ]);

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const route = routes.get(new URL(req.url ?? "/", "http://admin").pathname);
    if (req.method !== "GET" && req.method !== "HEAD") return sendJson(res, 405, { error: "only GET is supported" });
    if (!route) return sendJson(res, 404, { error: `no such admin endpoint; try ${[...routes.keys()].join(", ")}` });
    Promise.resolve(route(res)).catch((error: unknown) => sendJson(res, 500, { error: String(error) }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    setDraining: () => (draining = true),
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function describeConfig(state: AgentState, controlPlane: ControlPlaneLink | null) {
  const credentials = state.credentials;
  return {
    service: state.service,
    version: state.version,
    health: state.health,
    degraded: state.health === "degraded",
    revision: state.snapshot?.revision ?? null,
    controlPlane,
    certificate: credentials
      ? { subjectAltName: new X509Certificate(credentials.certificatePem).subjectAltName ?? null, notAfter: credentials.notAfter.toISOString() }
      : null,
    snapshot: state.snapshot,
  };
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body, null, 2));
}
