import { pino } from "pino";
import { MAX_LOGGED_PATH_LENGTH, type AccessLogEntry } from "@mesh/shared";
import type { RequestRecord } from "../state.ts";

export function toAccessLogEntry(record: RequestRecord): AccessLogEntry {
  const entry: AccessLogEntry = {
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
  if (record.audited) entry.audited = record.audited.slice(0, 16);
  return entry;
}

/** Buffered bytes of access log beyond which lines are dropped rather than held while stdout is stuck. */
const MAX_BUFFERED_BYTES = 8 * 1024 * 1024;
/** Lines are written together once this much is buffered, or at the next flush tick. */
const BATCH_BYTES = 8 * 1024;
/** The longest a line waits for its batch (Envoy's access log flushes every second). */
const FLUSH_INTERVAL_MS = 200;

export interface AccessLogOutput {
  /** Writes lines already joined by accessLogLine (each ending in a newline). */
  write(lines: string): void;
  /** Writes dropped because stdout did not keep up. */
  readonly droppedWrites: number;
  close(): Promise<void>;
}

/**
 * The stdout line of one entry, as pino wrote it before ({"level":30,"service","log":"access","time",...,"msg":"access"}),
 * built in the telemetry's slices off the request path.
 */
export function accessLogLine(service: string, entry: AccessLogEntry, json = JSON.stringify(entry)): string {
  // `json` is the entry as the report sends it, `time` its first field; the line differs only in that, written as ISO 8601.
  const rest = json.slice(json.indexOf(",") + 1, -1);
  return `{"level":30,"service":${JSON.stringify(service)},"log":"access","time":"${new Date(entry.time).toISOString()}",${rest},"msg":"access"}\n`;
}

/**
 * One JSON line per request on stdout ({"time", "msg":"access", direction, source, destination, version,
 * method, path, status, durationMs, cause, traceId}), written asynchronously in batches so a request
 * never waits for the terminal or a log shipper; `time` is when the request started.
 */
export function createAccessLogOutput(fd = 1): AccessLogOutput {
  // A write per line was the agent's largest telemetry cost under load (a syscall per request): batch them.
  const destination = pino.destination({ dest: fd, sync: false, minLength: BATCH_BYTES, maxLength: MAX_BUFFERED_BYTES });
  const flushTimer = setInterval(() => destination.flush(), FLUSH_INTERVAL_MS).unref();
  const output = {
    droppedWrites: 0,
    write(lines: string) {
      destination.write(lines);
    },
    close: () => {
      clearInterval(flushTimer);
      return new Promise<void>((resolve) => destination.flush(() => resolve()));
    },
  };
  destination.on("drop", () => output.droppedWrites++);
  return output;
}
