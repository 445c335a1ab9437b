import { meshApiUrl } from "../../../session/mesh-api-url.ts";

export const dynamic = "force-dynamic";

// Hop-by-hop headers are for one connection only (RFC 9110 §7.6.1); fetch sets its own.
const DROPPED_REQUEST_HEADERS = ["host", "connection", "content-length", "transfer-encoding", "keep-alive", "upgrade"];
const DROPPED_RESPONSE_HEADERS = ["connection", "content-length", "transfer-encoding", "keep-alive", "content-encoding"];

/** Forwards /trpc/* (queries, mutations, SSE subscriptions) to the control plane, cookie and all. */
async function forward(request: Request): Promise<Response> {
  const incoming = new URL(request.url);
  const target = `${meshApiUrl()}${incoming.pathname}${incoming.search}`;
  const headers = new Headers(request.headers);
  for (const name of DROPPED_REQUEST_HEADERS) headers.delete(name);
  const hasBody = request.method !== "GET" && request.method !== "HEAD";
  let upstream: Response;
  try {
    upstream = await fetch(target, {
      method: request.method,
      headers,
      body: hasBody ? await request.arrayBuffer() : undefined,
      signal: request.signal,
      redirect: "manual",
    });
  } catch {
    return Response.json({ error: { message: "the control plane is unreachable", data: { code: "BAD_GATEWAY" } } }, { status: 502 });
  }
  const responseHeaders = new Headers(upstream.headers);
  for (const name of DROPPED_RESPONSE_HEADERS) responseHeaders.delete(name);
  return new Response(upstream.body, { status: upstream.status, headers: responseHeaders });
}

export { forward as GET, forward as POST };
