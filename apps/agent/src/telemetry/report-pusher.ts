import { createTRPCClient, httpLink, TRPCClientError } from "@trpc/client";
import type { AppRouter } from "@mesh/api/router";
import { MAX_ACCESS_LOGS_PER_REPORT, MAX_ROLLUPS_PER_REPORT, type AccessLogEntry } from "@mesh/shared";
import type { Logger } from "pino";
import type { BoundedQueue } from "./bounded-queue.ts";
import type { RollupAggregator } from "./rollup-aggregator.ts";

export interface ReportPusherOptions {
  controlPlaneUrl: string;
  credential: () => string | null;
  rollups: RollupAggregator;
  accessLogs: BoundedQueue<AccessLogEntry>;
  /** Spans dropped since the last call, reported so the control plane can tell. */
  takeDroppedSpans: () => number;
  intervalMs: number;
  log?: Logger;
}

/** Answers that a retry cannot change: the report is dropped (and logged) instead of resent forever. */
const PERMANENT = new Set(["BAD_REQUEST", "FORBIDDEN", "PAYLOAD_TOO_LARGE", "UNPROCESSABLE_CONTENT"]);

/**
 * Sends telemetry.report every few seconds: the rollups and access logs gathered since the last
 * accepted report. A failed report puts everything back (bounded), so a control plane outage costs
 * only what no longer fits.
 */
export class ReportPusher {
  private readonly client: ReturnType<typeof createTRPCClient<AppRouter>>;
  /** Dropped spans counted into a report that failed, carried to the next one. */
  private unreportedDroppedSpans = 0;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | null = null;
  reportsSent = 0;

  constructor(private readonly options: ReportPusherOptions) {
    const url = `${options.controlPlaneUrl.replace(/\/+$/, "")}/trpc`;
    this.client = createTRPCClient<AppRouter>({
      links: [
        httpLink({
          url,
          headers: (): Record<string, string> => {
            const credential = options.credential();
            return credential ? { authorization: `Bearer ${credential}` } : {};
          },
          fetch: (input, init) => fetch(input, { ...init, signal: init?.signal ?? AbortSignal.timeout(10_000) }),
        }),
      ],
    });
    this.timer = setInterval(() => void this.push(), options.intervalMs).unref();
  }

  /** Sends what is pending now (one report at a time). */
  push(): Promise<void> {
    this.sending ??= this.send().finally(() => (this.sending = null));
    return this.sending;
  }

  /** Sends until nothing is pending or a report fails. */
  async flush(): Promise<void> {
    if (this.sending) await this.sending;
    while (this.options.rollups.size > 0 || this.options.accessLogs.length > 0) {
      const before = this.reportsSent;
      await this.push();
      if (this.reportsSent === before) return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }

  private async send(): Promise<void> {
    const { rollups, accessLogs, credential, log } = this.options;
    if (!credential()) return;
    const dropped = { spans: this.unreportedDroppedSpans + this.options.takeDroppedSpans(), rollups: rollups.takeDropped(), accessLogs: accessLogs.takeDropped() };
    const report = { rollups: rollups.take(MAX_ROLLUPS_PER_REPORT), accessLogs: accessLogs.take(MAX_ACCESS_LOGS_PER_REPORT), dropped };
    if (report.rollups.length === 0 && report.accessLogs.length === 0 && dropped.spans + dropped.rollups + dropped.accessLogs === 0) return;
    try {
      this.unreportedDroppedSpans = 0;
      await this.client.telemetry.report.mutate(report);
      this.reportsSent++;
    } catch (error) {
      const code = error instanceof TRPCClientError ? (error.data as { code?: string } | undefined)?.code : undefined;
      if (code && PERMANENT.has(code)) {
        log?.error({ err: error, rollups: report.rollups.length, accessLogs: report.accessLogs.length }, "control plane refused a telemetry report; dropped it");
        return;
      }
      log?.debug({ err: error }, "telemetry report failed; keeping it for the next one");
      rollups.restore(report.rollups);
      accessLogs.putBack(report.accessLogs);
      rollups.restoreDropped(dropped.rollups);
      accessLogs.restoreDropped(dropped.accessLogs);
      this.unreportedDroppedSpans = dropped.spans;
    }
  }
}
