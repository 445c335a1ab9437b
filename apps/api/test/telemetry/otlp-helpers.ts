import { randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
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

/**
 * A recorded export request, moved in time so that its latest timestamp is `nowMs`: the receiver
 * refuses spans past the retention, so a recording sent as-is would stop being stored a day after it
 * was made. Every *UnixNano field moves by the same offset, in BigInt nanoseconds, so durations and the
 * offsets between spans and events stay exact; the file itself stays what the exporter sent.
 */
export async function loadRecordedRequest(file: URL, nowMs = Date.now()): Promise<string> {
  const request: unknown = JSON.parse(await readFile(file, "utf8"));
  const stamps: { holder: Record<string, unknown>; key: string; nanos: bigint }[] = [];
  collectTimestamps(request, stamps);
  if (stamps.length === 0) throw new Error(`${file.pathname} has no *UnixNano timestamps to move`);
  const latest = stamps.reduce((max, { nanos }) => (nanos > max ? nanos : max), 0n);
  const offset = BigInt(nowMs) * 1_000_000n - latest;
  for (const { holder, key, nanos } of stamps) holder[key] = (nanos + offset).toString();
  return JSON.stringify(request);
}

function collectTimestamps(value: unknown, into: { holder: Record<string, unknown>; key: string; nanos: bigint }[]): void {
  if (Array.isArray(value)) return value.forEach((item) => collectTimestamps(item, into));
  if (typeof value !== "object" || value === null) return;
  const holder = value as Record<string, unknown>;
  for (const [key, field] of Object.entries(holder)) {
    if (!key.endsWith("UnixNano")) collectTimestamps(field, into);
    // Exporters write int64 as decimal strings; a JSON number this large would already have lost nanoseconds.
    else if (typeof field === "string") into.push({ holder, key, nanos: BigInt(field) });
    else throw new Error(`${key} is ${typeof field}, expected a decimal string of nanoseconds`);
  }
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
