import { z } from "zod";

/**
 * OTLP/JSON ExportTraceServiceRequest, as the OpenTelemetry exporters send it
 * (https://opentelemetry.io/docs/specs/otlp/#json-protobuf-encoding): hex ids, int64 as decimal strings
 * or numbers, enums as integers. Fields we do not store (events, links, trace state) pass unchecked.
 */

const int64Schema = z.union([z.string().regex(/^\d{1,20}$/, { error: "must be a non-negative integer (nanoseconds)" }), z.int().min(0)]);

type AnyValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number | string;
  bytesValue?: string;
  arrayValue?: { values?: AnyValue[] };
  kvlistValue?: { values?: KeyValue[] };
};
type KeyValue = { key: string; value?: AnyValue };

const anyValueSchema: z.ZodType<AnyValue> = z.lazy(() =>
  z.object({
    stringValue: z.string().optional(),
    boolValue: z.boolean().optional(),
    intValue: z.union([z.string().regex(/^-?\d{1,20}$/, { error: "must be an integer" }), z.int()]).optional(),
    doubleValue: z.union([z.number(), z.enum(["NaN", "Infinity", "-Infinity"])]).optional(),
    bytesValue: z.string().optional(),
    arrayValue: z.object({ values: z.array(anyValueSchema).optional() }).optional(),
    kvlistValue: z.object({ values: z.array(keyValueSchema).optional() }).optional(),
  }),
);
const keyValueSchema: z.ZodType<KeyValue> = z.lazy(() => z.object({ key: z.string(), value: anyValueSchema.optional() }));
const attributesSchema = z.array(keyValueSchema).optional();

const hex = (length: number) =>
  z
    .string()
    .regex(new RegExp(`^[0-9a-fA-F]{${length}}$`), { error: `must be ${length} hex digits` })
    .refine((id) => !/^0+$/.test(id), { error: "must not be all zeros" })
    .transform((id) => id.toLowerCase());

const MAX_SPAN_NAME_LENGTH = 1024;

function nanos(value: unknown): bigint | null {
  try {
    return typeof value === "string" || typeof value === "number" ? BigInt(value) : null;
  } catch {
    return null;
  }
}

const spanSchema = z
  .object({
    traceId: hex(32),
    spanId: hex(16),
    parentSpanId: z.union([z.literal(""), hex(16)]).optional(),
    name: z.string().transform((name) => name.slice(0, MAX_SPAN_NAME_LENGTH)),
    /** 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
    kind: z.int().min(0).max(5).optional(),
    startTimeUnixNano: int64Schema,
    endTimeUnixNano: int64Schema,
    attributes: attributesSchema,
    status: z.object({ code: z.int().min(0).max(2).optional(), message: z.string().optional() }).optional(),
  })
  // Zod runs this even when a time failed its own check; such a span is already refused for that field.
  .refine(
    (span) => {
      const [start, end] = [nanos(span.startTimeUnixNano), nanos(span.endTimeUnixNano)];
      return start === null || end === null || end >= start;
    },
    {
      error: "endTimeUnixNano is before startTimeUnixNano",
      path: ["endTimeUnixNano"],
    },
  );

export const MAX_SPANS_PER_REQUEST = 20_000;

export const exportTraceRequestSchema = z
  .object({
    resourceSpans: z
      .array(
        z.object({
          resource: z.object({ attributes: attributesSchema }).optional(),
          scopeSpans: z.array(z.object({ spans: z.array(spanSchema).optional() })).optional(),
        }),
      )
      .optional(),
  })
  .refine((request) => countSpans(request) <= MAX_SPANS_PER_REQUEST, {
    error: `more than ${MAX_SPANS_PER_REQUEST} spans in one request; send smaller batches`,
  });
export type ExportTraceRequest = z.infer<typeof exportTraceRequestSchema>;

function countSpans(request: { resourceSpans?: { scopeSpans?: { spans?: unknown[] }[] }[] }): number {
  let count = 0;
  for (const resource of request.resourceSpans ?? []) for (const scope of resource.scopeSpans ?? []) count += scope.spans?.length ?? 0;
  return count;
}

/** A span as the Span table stores it. */
export interface SpanRow {
  traceId: string;
  spanId: string;
  parentSpanId: string | null;
  name: string;
  kind: string;
  service: string;
  version: string | null;
  startMs: number;
  durationMs: number;
  httpStatus: number | null;
  error: boolean;
  meshError: string | null;
  attributes: Record<string, unknown>;
}

const SPAN_KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;
const STATUS_ERROR = 2;
const NANOS_PER_MS = 1_000_000n;

/** The services a request writes spans for (resource attribute service.name), for authorization. */
export function servicesIn(request: ExportTraceRequest): Set<string> {
  return new Set((request.resourceSpans ?? []).map((r) => serviceName(attributeMap(r.resource?.attributes))));
}

export function toSpanRows(request: ExportTraceRequest): SpanRow[] {
  const rows: SpanRow[] = [];
  for (const resourceSpans of request.resourceSpans ?? []) {
    const resource = attributeMap(resourceSpans.resource?.attributes);
    const service = serviceName(resource);
    const resourceVersion = typeof resource["service.version"] === "string" ? resource["service.version"] : null;
    for (const scope of resourceSpans.scopeSpans ?? []) {
      for (const span of scope.spans ?? []) {
        const attributes = attributeMap(span.attributes);
        const start = BigInt(span.startTimeUnixNano);
        const status = attributes["http.response.status_code"] ?? attributes["http.status_code"];
        const meshError = attributes["mesh.error"];
        rows.push({
          traceId: span.traceId,
          spanId: span.spanId,
          parentSpanId: span.parentSpanId || null,
          name: span.name,
          kind: SPAN_KINDS[span.kind ?? 0]!,
          service,
          version: resourceVersion,
          startMs: Number(start / NANOS_PER_MS),
          durationMs: Number(BigInt(span.endTimeUnixNano) - start) / 1e6,
          httpStatus: typeof status === "number" && Number.isInteger(status) && status >= 0 && status < 1000 ? status : null,
          error: span.status?.code === STATUS_ERROR,
          meshError: typeof meshError === "string" && meshError ? meshError : null,
          attributes,
        });
      }
    }
  }
  return rows;
}

function serviceName(resource: Record<string, unknown>): string {
  const name = resource["service.name"];
  return typeof name === "string" && name ? name : "unknown_service";
}

function attributeMap(attributes: KeyValue[] | undefined): Record<string, unknown> {
  const map: Record<string, unknown> = {};
  for (const { key, value } of attributes ?? []) map[key] = plain(value);
  return map;
}

function plain(value: AnyValue | undefined): unknown {
  if (!value) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return Number(value.intValue);
  if (value.doubleValue !== undefined) return typeof value.doubleValue === "number" ? value.doubleValue : String(value.doubleValue);
  if (value.bytesValue !== undefined) return value.bytesValue;
  if (value.arrayValue) return (value.arrayValue.values ?? []).map(plain);
  if (value.kvlistValue) return attributeMap(value.kvlistValue.values);
  return null;
}
