import { randomBytes } from "node:crypto";
import type { TestControlPlane } from "../support/control-plane.ts";

export const randomTraceId = () => randomBytes(16).toString("hex");
export const randomSpanId = () => randomBytes(8).toString("hex");

export interface SpanSpec {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind?: number;
  startMs: number;
  durationMs: number;
  status?: number;
  error?: boolean;
}

/** An OTLP/JSON export request in the exporters' encoding (hex ids, nanoseconds as strings). */
export function otlpRequest(service: string, spans: SpanSpec[], version = "v1") {
  return {
    resourceSpans: [
      {
        resource: {
          attributes: [
            { key: "service.name", value: { stringValue: service } },
            { key: "service.version", value: { stringValue: version } },
          ],
        },
        scopeSpans: [
          {
            scope: { name: "test" },
            spans: spans.map((s) => ({
              traceId: s.traceId,
              spanId: s.spanId,
              ...(s.parentSpanId ? { parentSpanId: s.parentSpanId } : {}),
              name: s.name,
              kind: s.kind ?? 2,
              startTimeUnixNano: (BigInt(Math.round(s.startMs * 1000)) * 1000n).toString(),
              endTimeUnixNano: (BigInt(Math.round((s.startMs + s.durationMs) * 1000)) * 1000n).toString(),
              attributes: s.status === undefined ? [] : [{ key: "http.response.status_code", value: { intValue: s.status } }],
              status: { code: s.error ? 2 : 0 },
            })),
          },
        ],
      },
    ],
  };
}

export function postOtlp(url: string, body: string | Buffer, headers: Record<string, string> = {}) {
  return fetch(`${url}/v1/traces`, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });
}

/** Registers an agent instance with the join token and returns its credential. */
export async function registerAgent(mesh: TestControlPlane, service: string, version = "v1"): Promise<string> {
  const join = mesh.client(mesh.controlPlane.joinToken);
  const { credential } = await join.agent.register.mutate({ service, version, address: "127.0.0.1", inboundPort: 15006 });
  return credential;
}

export async function spanCount(mesh: TestControlPlane): Promise<number> {
  return mesh.controlPlane.deps.prisma.span.count();
}
