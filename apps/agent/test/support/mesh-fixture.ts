import { createServer, request, Agent, type IncomingHttpHeaders, type Server } from "node:http";
import { DEFAULT_MESH_CONFIG, trafficPolicySpecSchema, type AccessPolicySpec, type AgentSnapshot, type DestinationConfig, type MeshConfigSpec, type TrafficPolicySpec } from "@mesh/shared";

/** What a test upstream app saw of one request. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

export interface TestApp {
  port: number;
  seen: SeenRequest[];
  server: Server;
  close(): Promise<void>;
}

/**
 * A real HTTP upstream that answers JSON naming itself, or whatever `respond` says (status, body),
 * and remembers every request it saw.
 */
export async function startTestApp(
  name: string,
  respond?: (seen: SeenRequest) => { status: number; body?: string; delayMs?: number } | undefined,
): Promise<TestApp> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const entry = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString() };
      seen.push(entry);
      const answer = respond?.(entry);
      const send = () => {
        const body = answer?.body ?? JSON.stringify({ app: name, url: req.url });
        res.writeHead(answer?.status ?? 200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
        res.end(body);
      };
      if (answer?.delayMs) setTimeout(send, answer.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as { port: number }).port,
    seen,
    server,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

const clientAgent = new Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to 127.0.0.1:port (path may be an absolute URI, as an HTTP proxy client sends). */
export function httpCall(port: number, path: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method: options.method ?? "GET", headers: options.headers, agent: clientAgent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(options.body);
  });
}

export interface SnapshotParts {
  service: string;
  meshConfig?: Partial<MeshConfigSpec>;
  accessPolicies?: { name: string; spec: AccessPolicySpec }[];
  rateLimit?: TrafficPolicySpec["rateLimit"] | null;
  destinations?: Record<string, DestinationConfig>;
  revision?: number;
}

export function snapshot(parts: SnapshotParts): AgentSnapshot {
  return {
    revision: parts.revision ?? 1,
    service: parts.service,
    trustDomain: "mesh.local",
    meshConfig: { ...DEFAULT_MESH_CONFIG, ...parts.meshConfig },
    inbound: { accessPolicies: parts.accessPolicies ?? [], rateLimit: parts.rateLimit ?? null },
    destinations: parts.destinations ?? {},
  };
}

/** A TrafficPolicy spec as the control plane would push it: validated, defaults filled. */
export function trafficPolicy(input: unknown): TrafficPolicySpec {
  return trafficPolicySpecSchema.parse(input);
}
