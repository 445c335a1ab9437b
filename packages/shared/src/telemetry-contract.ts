import { z } from "zod";
import { LATENCY_BUCKET_COUNT, totalCount } from "./latency-histogram.ts";

/** Agents aggregate requests into rollups of this width; the control plane stores them as they come. */
export const ROLLUP_INTERVAL_MS = 10_000;

export function rollupBucketStart(timeMs: number): number {
  return Math.floor(timeMs / ROLLUP_INTERVAL_MS) * ROLLUP_INTERVAL_MS;
}

/** Server errors count against a service's success rate; 4xx answers are the caller's problem. */
export function isErrorStatus(status: number): boolean {
  return status >= 500 || status === 0;
}

export const MAX_ROLLUPS_PER_REPORT = 2000;
export const MAX_ACCESS_LOGS_PER_REPORT = 5000;
export const MAX_LOGGED_PATH_LENGTH = 2048;

const directionSchema = z.enum(["outbound", "inbound"], { error: "must be outbound or inbound" });
/** A service name, or whatever identity the agent could establish for an unmeshed peer. */
const peerSchema = z.string().min(1, { error: "must not be empty" }).max(255);
const statusSchema = z.int().min(0).max(999);

export const metricRollupSchema = z
  .strictObject({
    /** Epoch ms, a multiple of ROLLUP_INTERVAL_MS. */
    bucketStart: z
      .int()
      .min(0)
      .refine((ms) => ms % ROLLUP_INTERVAL_MS === 0, { error: `must be a multiple of ${ROLLUP_INTERVAL_MS} ms` }),
    direction: directionSchema,
    source: peerSchema,
    destination: peerSchema,
    /** Empty when the request never reached a version (denied, no endpoints). */
    destinationVersion: z.string().max(63),
    /** Requests per HTTP status, e.g. {"200": 12, "503": 1}. */
    statusCounts: z.record(z.string().regex(/^\d{1,3}$/, { error: "keys must be HTTP status codes" }), z.int().min(1)),
    /** Requests per latency bucket (LATENCY_BUCKETS_MS), the last one for anything slower. */
    latencyBuckets: z.array(z.int().min(0)).length(LATENCY_BUCKET_COUNT, { error: `must have ${LATENCY_BUCKET_COUNT} buckets` }),
    latencySumMs: z.number().min(0),
    /** Whether every request in the rollup went over mTLS. */
    mtls: z.boolean(),
  })
  .refine((r) => totalCount(Object.values(r.statusCounts)) === totalCount(r.latencyBuckets), {
    error: "statusCounts and latencyBuckets must count the same requests",
    path: ["latencyBuckets"],
  });
export type MetricRollupReport = z.infer<typeof metricRollupSchema>;

export const accessLogEntrySchema = z.strictObject({
  /** Epoch ms when the request started. */
  time: z.int().min(0),
  direction: directionSchema,
  source: peerSchema,
  destination: peerSchema,
  version: z.string().max(63).nullable(),
  method: z.string().min(1).max(16),
  path: z.string().max(MAX_LOGGED_PATH_LENGTH),
  status: statusSchema,
  durationMs: z.number().min(0),
  /** The agent's own error cause (x-mesh-error), if it answered itself. */
  cause: z.string().max(128).nullable(),
  /** Audit AccessPolicies that matched the request (inbound): logged, never enforced. */
  audited: z.array(z.string().max(253)).max(16).optional(),
  traceId: z
    .string()
    .regex(/^[0-9a-f]{32}$/, { error: "must be 32 lowercase hex digits" })
    .nullable(),
});
export type AccessLogEntry = z.infer<typeof accessLogEntrySchema>;

/** telemetry.report: what one agent pushes every few seconds (deltas since its last accepted report). */
export const telemetryReportSchema = z.strictObject({
  rollups: z.array(metricRollupSchema).max(MAX_ROLLUPS_PER_REPORT),
  accessLogs: z.array(accessLogEntrySchema).max(MAX_ACCESS_LOGS_PER_REPORT),
  /** Items the agent dropped since its last report because its bounded queues were full. */
  dropped: z
    .strictObject({ spans: z.int().min(0), rollups: z.int().min(0), accessLogs: z.int().min(0) })
    .default({ spans: 0, rollups: 0, accessLogs: 0 }),
});
export type TelemetryReport = z.input<typeof telemetryReportSchema>;
