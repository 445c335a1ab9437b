import { MAX_ACCESS_LOGS_PER_REPORT, MAX_ROLLUPS_PER_REPORT } from "@mesh/shared";
import type { RecordableHistogram } from "node:perf_hooks";
import type { Logger } from "pino";
import type { Agent as HttpAgent } from "node:http";
import type { BoundedQueue } from "./bounded-queue.ts";
import { postInPieces, telemetryAgent } from "./post-in-pieces.ts";
import type { RollupAggregator } from "./rollup-aggregator.ts";

export interface ReportPusherOptions {
  controlPlaneUrl: string;
  credential: () => string | null;
  rollups: RollupAggregator;
  /** Access log entries, each already encoded as JSON (in the telemetry's slices, not here). */
  accessLogs: BoundedQueue<string>;
  /** Spans dropped since the last call, reported so the control plane can tell. */
  takeDroppedSpans: () => number;
  intervalMs: number;
  log?: Logger;
  /** Records how long each report held the loop before its first await (taking, joining, handing to fetch), in µs. */
  busy?: RecordableHistogram;
}

/** Answers that a retry cannot change (tRPC's BAD_REQUEST, FORBIDDEN, PAYLOAD_TOO_LARGE, UNPROCESSABLE_CONTENT): the report is dropped (and logged) instead of resent forever. */
const PERMANENT = new Set([400, 403, 413, 422]);
const REPORT_TIMEOUT_MS = 10_000;
/** A report is sent early once this many lines wait; a backlog goes out in several reports. */
export const ACCESS_LOGS_PER_REPORT = MAX_ACCESS_LOGS_PER_REPORT;
/** Rollups are stringified in one go (a few dozen normally): bounded so a backlog after an outage costs no long stall. */
const ROLLUPS_PER_REPORT = Math.min(200, MAX_ROLLUPS_PER_REPORT);

/**
 * Sends telemetry.report every few seconds: the rollups and access logs gathered since the last
 * accepted report. A failed report puts everything back (bounded), so a control plane outage costs
 * only what no longer fits.
 */
export class ReportPusher {
  private readonly url: string;
  private readonly agent: HttpAgent;
  /** Dropped spans counted into a report that failed, carried to the next one. */
  private unreportedDroppedSpans = 0;
  private readonly timer: NodeJS.Timeout;
  private sending: Promise<void> | null = null;
  reportsSent = 0;

  constructor(private readonly options: ReportPusherOptions) {
    // The tRPC mutation telemetry.report as its HTTP form (no transformer): POST /trpc/telemetry.report with the input as the body.
    this.url = `${options.controlPlaneUrl.replace(/\/+$/, "")}/trpc/telemetry.report`;
    this.agent = telemetryAgent(this.url);
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
    this.agent.destroy();
  }

  private async send(): Promise<void> {
    const { rollups, accessLogs, credential, log } = this.options;
    if (!credential()) return;
    const dropped = { spans: this.unreportedDroppedSpans + this.options.takeDroppedSpans(), rollups: rollups.takeDropped(), accessLogs: accessLogs.takeDropped() };
    const report = { rollups: rollups.take(ROLLUPS_PER_REPORT), accessLogs: accessLogs.take(ACCESS_LOGS_PER_REPORT), dropped };
    if (report.rollups.length === 0 && report.accessLogs.length === 0 && dropped.spans + dropped.rollups + dropped.accessLogs === 0) return;
    this.unreportedDroppedSpans = 0;
    // Written in pieces from access log lines encoded earlier: JSON.stringify of 5,000 entries here stalled the loop for milliseconds.
    const answer = await postInPieces(
      this.url,
      { agent: this.agent, headers: { authorization: `Bearer ${credential()}` }, timeoutMs: REPORT_TIMEOUT_MS, busy: this.options.busy },
      { head: `{"rollups":${JSON.stringify(report.rollups)},"dropped":${JSON.stringify(dropped)},"accessLogs":[`, items: report.accessLogs, tail: "]}" },
    );
    if (answer.status >= 200 && answer.status < 300) {
      this.reportsSent++;
      return;
    }
    if (PERMANENT.has(answer.status)) {
      log?.error({ status: answer.status, answer: answer.body.slice(0, 500), rollups: report.rollups.length, accessLogs: report.accessLogs.length }, "control plane refused a telemetry report; dropped it");
      return;
    }
    const failure = answer.status === 0 ? "no answer" : `HTTP ${answer.status}`;
    log?.debug({ err: failure }, "telemetry report failed; keeping it for the next one");
    rollups.restore(report.rollups);
    accessLogs.putBack(report.accessLogs);
    rollups.restoreDropped(dropped.rollups);
    accessLogs.restoreDropped(dropped.accessLogs);
    this.unreportedDroppedSpans = dropped.spans;
  }
}
