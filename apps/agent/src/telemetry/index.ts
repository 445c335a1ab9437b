import { createHistogram, type RecordableHistogram } from "node:perf_hooks";
import { parseDuration } from "@mesh/shared";
import type { Logger } from "pino";
import type { AgentState, RequestRecord } from "../state.ts";
import { accessLogLine, createAccessLogOutput, toAccessLogEntry } from "./access-log.ts";
import { BoundedQueue } from "./bounded-queue.ts";
import { encodeSpan } from "./record-span.ts";
import { RecordRing } from "./record-ring.ts";
import { ACCESS_LOGS_PER_REPORT, ReportPusher } from "./report-pusher.ts";
import { RollupAggregator } from "./rollup-aggregator.ts";
import { SpanExporter } from "./span-exporter.ts";

export interface TelemetryOptions {
  /** The control plane: spans go to <url>/v1/traces and reports to telemetry.report, with the agent's credential. */
  controlPlaneUrl: string;
  /** The agent's current credential, or null before it has registered (then nothing is sent yet). */
  credential: () => string | null;
  /** OTEL_EXPORTER_OTLP_ENDPOINT: when set, spans go to <endpoint>/v1/traces instead (no credential sent). */
  otlpEndpoint?: string | null;
  /** Access log lines on stdout (default true). */
  accessLog?: boolean;
  /** Where access log lines go instead of stdout (tests). */
  accessLogFd?: number;
  reportIntervalMs?: number;
  spanDelayMs?: number;
  log?: Logger;
}

export interface BusySummary {
  count: number;
  p50: number;
  p99: number;
  max: number;
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
    /** Records dropped because the ring was full (also counted as dropped rollups and access logs). */
    droppedRecords: number;
    /** How long the telemetry's slices held the event loop (wall time, so preemption counts too), in ms. */
    sliceMs: BusySummary;
    /** The same for span exports and telemetry reports (encoding and handing the request over). */
    exportMs: BusySummary;
  };
}

const MAX_QUEUED_SPANS = 8192;
const MAX_SPANS_PER_EXPORT = 512;
const MAX_QUEUED_ACCESS_LOGS = 20_000;
const MAX_PENDING_ROLLUPS = 10_000;
/** Finished requests held for the next slice: a 30,000-request burst in one tick still fits. */
const RING_CAPACITY = 32_768;
/** How often the ring is emptied, unless it fills past SLICE_SOON first. */
const DRAIN_INTERVAL_MS = 20;
const SLICE_SOON = 256;
/** Telemetry work per event-loop turn: well under the 1 ms a request may be held up by it. */
const SLICE_BUDGET_MS = 0.2;
/** A hop slower than this keeps its span whatever the sampling rate, unless MeshConfig sets tracing.slowThreshold. */
export const DEFAULT_SLOW_THRESHOLD_MS = 1000;
/** Shutdown must not hang on an unreachable collector. */
const FLUSH_TIMEOUT_MS = 3000;
const EXPORT_TIMEOUT_MS = 5000;

/**
 * Turns every finished request (state.onRecord) into a span, a 10-second metric rollup and an access log line, and
 * ships them in the background through bounded queues. The request path only appends the record to a ring; the
 * encoding runs later in slices of at most SLICE_BUDGET_MS, one per event-loop turn. A span is kept when its trace is
 * sampled (the incoming traceparent's flag, or the sampling rate), and also, whatever the rate, when the hop failed
 * (5xx, or an error the agent made itself) or was slower than tracing.slowThreshold. Every request is access-logged.
 */
export function startTelemetry(state: AgentState, options: TelemetryOptions): Telemetry {
  const controlPlane = options.controlPlaneUrl.replace(/\/+$/, "");
  const slices = createHistogram();
  const exports = createHistogram();
  const spans = new SpanExporter({
    busy: exports,
    url: options.otlpEndpoint ? `${options.otlpEndpoint.replace(/\/+$/, "")}/v1/traces` : `${controlPlane}/v1/traces`,
    credential: options.otlpEndpoint ? () => null : options.credential,
    resource: { service: state.service, version: state.version },
    maxQueueSize: MAX_QUEUED_SPANS,
    maxBatchSize: MAX_SPANS_PER_EXPORT,
    delayMs: options.spanDelayMs ?? 1000,
    timeoutMs: EXPORT_TIMEOUT_MS,
  });
  const rollups = new RollupAggregator(MAX_PENDING_ROLLUPS);
  const accessLogs = new BoundedQueue<string>(MAX_QUEUED_ACCESS_LOGS);
  const output = options.accessLog === false ? null : createAccessLogOutput(options.accessLogFd);
  const ring = new RecordRing(RING_CAPACITY);
  let droppedRecords = 0;
  const takeRingDrops = () => {
    const dropped = ring.takeDropped();
    droppedRecords += dropped;
    rollups.restoreDropped(dropped);
    accessLogs.restoreDropped(dropped);
  };
  const pusher = new ReportPusher({
    controlPlaneUrl: controlPlane,
    credential: options.credential,
    rollups,
    accessLogs,
    takeDroppedSpans: () => {
      takeRingDrops();
      return spans.takeDropped();
    },
    intervalMs: options.reportIntervalMs ?? 2000,
    busy: exports,
    ...(options.log ? { log: options.log } : {}),
  });

  let slowThreshold: { text: string | undefined; ms: number } = { text: undefined, ms: DEFAULT_SLOW_THRESHOLD_MS };
  const slowMs = (): number => {
    const text = state.snapshot?.meshConfig.tracing.slowThreshold;
    if (text !== slowThreshold.text) slowThreshold = { text, ms: text ? parseDuration(text) : DEFAULT_SLOW_THRESHOLD_MS };
    return slowThreshold.ms;
  };

  let failures = 0;
  let sliceScheduled = false;
  /** Empties the ring for up to SLICE_BUDGET_MS; true when something is left for the next turn. */
  const runSlice = (): boolean => {
    sliceScheduled = false;
    const started = performance.now();
    const deadline = started + SLICE_BUDGET_MS;
    const slow = slowMs();
    let lines = "";
    for (let n = 1; ring.length > 0; n++) {
      const record = ring.shift()!;
      // A telemetry fault must cost the record, never the proxy.
      try {
        if (record.sampled || record.cause !== null || record.status >= 500 || record.status === 0 || record.durationMs > slow) spans.add(encodeSpan(record));
        rollups.add(record);
        const entry = toAccessLogEntry(record);
        const json = JSON.stringify(entry);
        accessLogs.push(json);
        if (output) lines += accessLogLine(state.service, entry, json);
      } catch (error) {
        if (failures++ === 0) options.log?.error({ err: error }, "telemetry could not record a request; further failures are counted in stats()");
      }
      if ((n & 7) === 0 && performance.now() >= deadline) break;
    }
    if (lines) output!.write(lines);
    if (accessLogs.length >= ACCESS_LOGS_PER_REPORT) void pusher.push();
    slices.record(Math.max(1, Math.round((performance.now() - started) * 1000)));
    return ring.length > 0;
  };
  const scheduleSlice = () => {
    if (sliceScheduled) return;
    sliceScheduled = true;
    setImmediate(() => {
      if (runSlice()) scheduleSlice();
    });
  };
  const drainTimer = setInterval(() => ring.length > 0 && scheduleSlice(), DRAIN_INTERVAL_MS).unref();
  /** Runs slices, one per turn, until the ring is empty. */
  const drain = async () => {
    while (ring.length > 0) {
      runSlice();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  };

  state.onRecord((record: RequestRecord) => {
    ring.push(record);
    if (ring.length >= SLICE_SOON) scheduleSlice();
  });

  return {
    flush: () =>
      withinMs(
        FLUSH_TIMEOUT_MS,
        drain().then(() => Promise.all([spans.flush(), pusher.flush()])),
      ),
    async close() {
      clearInterval(drainTimer);
      await withinMs(
        FLUSH_TIMEOUT_MS,
        drain().then(() => Promise.all([spans.close(), pusher.close()])),
      );
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
      droppedRecords,
      sliceMs: summary(slices),
      exportMs: summary(exports),
    }),
  };
}

/** What an agent started with MESH_AGENT_TELEMETRY=off runs: no spans, rollups or access log (metrics stay). */
export const TELEMETRY_OFF: Telemetry = {
  flush: async () => {},
  close: async () => {},
  stats: () => ({
    spansExported: 0,
    reportsSent: 0,
    queuedSpans: 0,
    queuedAccessLogs: 0,
    pendingRollups: 0,
    accessLogWritesDropped: 0,
    recordFailures: 0,
    droppedRecords: 0,
    sliceMs: { count: 0, p50: 0, p99: 0, max: 0 },
    exportMs: { count: 0, p50: 0, p99: 0, max: 0 },
  }),
};

function summary(histogram: RecordableHistogram): BusySummary {
  if (histogram.count === 0) return { count: 0, p50: 0, p99: 0, max: 0 };
  return { count: histogram.count, p50: histogram.percentile(50) / 1000, p99: histogram.percentile(99) / 1000, max: histogram.max / 1000 };
}

async function withinMs(ms: number, work: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
