import { request, type IncomingHttpHeaders } from "node:http";

/** Headers a mesh app must pass on for traces and header-based routes to follow a request. */
const PROPAGATED = ["traceparent", "tracestate", "x-request-id", "x-user"] as const;

export interface ServiceReply {
  status: number;
  /** Why the mesh itself refused or failed the call (its x-mesh-error header), if it did. */
  meshError: string | null;
  body: unknown;
}

/**
 * GET another service by name (`http://ratings/ratings/0`) through HTTP_PROXY — the app's own agent —
 * the way any HTTP client honouring HTTP_PROXY would: the absolute URI as the request target.
 */
export function callService(url: string, incoming: IncomingHttpHeaders = {}, timeoutMs = 5000): Promise<ServiceReply> {
  const target = new URL(url);
  const proxyText = process.env.HTTP_PROXY ?? process.env.http_proxy;
  const proxy = proxyText ? new URL(proxyText) : null;
  const headers: Record<string, string> = { host: target.host };
  for (const name of PROPAGATED) {
    const value = incoming[name];
    if (typeof value === "string") headers[name] = value;
  }
  return new Promise((resolve, reject) => {
    const outgoing = request(
      {
        host: proxy ? proxy.hostname : target.hostname,
        port: proxy ? Number(proxy.port || 80) : Number(target.port || 80),
        method: "GET",
        path: proxy ? target.href : `${target.pathname}${target.search}`,
        headers,
        timeout: timeoutMs,
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("error", reject);
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const meshError = response.headers["x-mesh-error"];
          resolve({ status: response.statusCode ?? 0, meshError: typeof meshError === "string" ? meshError : null, body: parseJson(text) });
        });
      },
    );
    outgoing.on("timeout", () => outgoing.destroy(new Error(`GET ${url} timed out after ${timeoutMs} ms`)));
    outgoing.on("error", reject);
    outgoing.end();
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** "403 denied: <the agent's one-line reason>" / "500": a failed call in a few words, for the page that shows it. */
export function describeFailedCall(reply: ServiceReply): string {
  if (!reply.meshError) return `${reply.status}`;
  // The agent's own error body starts with the cause and says why.
  return typeof reply.body === "string" && reply.body.startsWith(reply.meshError) ? `${reply.status} ${reply.body.trim()}` : `${reply.status} ${reply.meshError}`;
}
