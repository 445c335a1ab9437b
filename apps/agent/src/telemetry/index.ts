import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import type { AccessLogEntry } from "@mesh/shared";
import type { Logger } from "pino";
import type { AgentState, RequestRecord } from "../state.ts";
import { createAccessLogOutput, toAccessLogEntry } from "./access-log.ts";
import { BoundedQueue } from "./bounded-queue.ts";
import { recordToSpan, type ExportableSpan } from "./record-span.ts";
import { ReportPusher } from "./report-pusher.ts";
import { RollupAggregator } from "./rollup-aggregator.ts";
import { SpanBatcher } from "./span-batcher.ts";

export interface TelemetryOptions {
  /** The control plane: spans go to <url>/v1/traces and reports to telemetry.report, with the agent's credential. */
  controlPlaneUrl: string;
  /** The agent's current credential, or null before it has registered (then nothing is sent yet). */
  credential: () => string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: when set, spans go to <endpoint>/v1/traces instead (no credential sent). */
  otlpEndpoint?: string | null;
  /** Access log lines on stdout (default true). */
  accessLog?: boolean;
  reportIntervalMs?: number;
  spanDelayMs?: number;
  log?: Logger;
}

export interface Telemetry {
  /** Sends everything gathered so far (spans and a report). */
  flush(): Promise<void>;
  /** Flushes, then stops the timers; call on shutdown after the data plane has drained. */
  close(): Promise<void>;
  stats(): {
    spansExported: number;
    reportsSent: number;
    queuedSpans: number;
    queuedAccessLogs: number;
    pendingRollups: number;
    accessLogWritesDropped: number;
    recordFailures: number;
  };
}

const MAX_QUEUED_SPANS = 8192;
const MAX_SPANS_PER_EXPORT = 512;
const MAX_QUEUED_ACCESS_LOGS = 20_000;
const MAX_PENDING_ROLLUPS = 10_000;
/** Shutdown must not hang on an unreachable collector. */
const FLUSH_TIMEOUT_MS = 3000;
const EXPORT_TIMEOUT_MS = 5000;

/**
 * Turns every finished request (state.onRecord) into a span (sampled requests only), a 10-second metric
 * rollup and an access log line; ships them in the background through bounded queues.
 */
export function startTelemetry(state: AgentState, options: TelemetryOptions): Telemetry {
  const resource: ExportableSpan["resource"] = resourceFromAttributes({ "service.name": state.service, "service.version": state.version });
  const controlPlane = options.controlPlaneUrl.replace(/\/+$/, "");
  const exporter = options.otlpEndpoint
    ? new OTLPTraceExporter({ url: `${options.otlpEndpoint.replace(/\/+$/, "")}/v1/traces`, timeoutMillis: EXPORT_TIMEOUT_MS })
    : new OTLPTraceExporter({
        url: `${controlPlane}/v1/traces`,
        timeoutMillis: EXPORT_TIMEOUT_MS,
        headers: async (): Promise<Record<string, string>> => {
          const credential = options.credential();
          return credential ? { authorization: `Bearer ${credential}` } : {};
        },
      });
  const spans = new SpanBatcher(exporter, { maxQueueSize: MAX_QUEUED_SPANS, maxBatchSize: MAX_SPANS_PER_EXPORT, delayMs: options.spanDelayMs ?? 1000 });
  const rollups = new RollupAggregator(MAX_PENDING_ROLLUPS);
  const accessLogs = new BoundedQueue<AccessLogEntry>(MAX_QUEUED_ACCESS_LOGS);
  const output = options.accessLog === false ? null : createAccessLogOutput(state.service);
  const pusher = new ReportPusher({
    controlPlaneUrl: controlPlane,
    credential: options.credential,
    rollups,
    accessLogs,
    takeDroppedSpans: () => spans.takeDropped(),
    intervalMs: options.reportIntervalMs ?? 2000,
    ...(options.log ? { log: options.log } : {}),
  });

  let failures = 0;
  state.onRecord((record: RequestRecord) => {
    // Runs inside the data path's response handling: a telemetry fault must cost the record, never the proxy.
    try {
      if (record.sampled) spans.add(recordToSpan(record, resource));
      rollups.add(record);
      const entry = toAccessLogEntry(record);
      accessLogs.push(entry);
      output?.write(entry);
    } catch (error) {
      if (failures++ === 0) options.log?.error({ err: error }, "telemetry could not record a request; further failures are counted in stats()");
    }
  });

  return {
    flush: () => withinMs(FLUSH_TIMEOUT_MS, Promise.all([spans.flush(), pusher.flush()])),
    async close() {
      await withinMs(FLUSH_TIMEOUT_MS, Promise.all([spans.close(), pusher.close()]));
      await output?.close();
    },
    stats: () => ({
      spansExported: spans.exported,
      reportsSent: pusher.reportsSent,
      queuedSpans: spans.queued,
      queuedAccessLogs: accessLogs.length,
      pendingRollups: rollups.size,
      accessLogWritesDropped: output?.droppedWrites ?? 0,
      recordFailures: failures,
    }),
  };
}

async function withinMs(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
