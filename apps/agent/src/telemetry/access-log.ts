import { pino } from "pino";
import { MAX_LOGGED_PATH_LENGTH, type AccessLogEntry } from "@mesh/shared";
import type { RequestRecord } from "../state.ts";

export function toAccessLogEntry(record: RequestRecord): AccessLogEntry {
  return {
    time: Math.floor(record.startTime),
    direction: record.direction,
    source: record.source,
    destination: record.destination,
    version: record.destinationVersion || null,
    method: record.method.slice(0, 16),
    path: record.path.slice(0, MAX_LOGGED_PATH_LENGTH),
    status: record.status,
    durationMs: record.durationMs,
    cause: record.cause ? record.cause.slice(0, 128) : null,
    traceId: record.traceId || null,
  };
}

/** Buffered bytes of access log beyond which lines are dropped rather than held while stdout is stuck. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Lines are written together once this much is buffered, or at the next flush tick. */
const BATCH_BYTES = 8 * 1024;
/** The longest a line waits for its batch (Envoy's access log flushes every second). */
const FLUSH_INTERVAL_MS = 200;

export interface AccessLogOutput {
  write(entry: AccessLogEntry): void;
  /** Writes dropped because stdout did not keep up. */
  readonly droppedWrites: number;
  close(): Promise<void>;
}

/**
 * One JSON line per request on stdout ({"time", "msg":"access", direction, source, destination, version,
 * method, path, status, durationMs, cause, traceId}), written asynchronously in batches so a request
 * never waits for the terminal or a log shipper; `time` is when the request started.
 */
export function createAccessLogOutput(service: string, fd = 1): AccessLogOutput {
  // A write per line was the agent's largest telemetry cost under load (a syscall per request): batch them.
  const destination = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES, maxLength: MAX_BUFFERED_BYTES });
  const logger = pino({ base: { service, log: "access" }, timestamp: false }, destination);
  const flushTimer = setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  const output = {
    droppedWrites: 0,
    write(entry: AccessLogEntry) {
      logger.info({ ...entry, time: new Date(entry.time).toISOString() }, "access");
    },
    close: () => {
      clearInterval(flushTimer);
      return new Promise<void>((resolve) => destination.flush(() => resolve()));
    },
  };
  destination.on("drop", () => output.droppedWrites++);
  return output;
}
