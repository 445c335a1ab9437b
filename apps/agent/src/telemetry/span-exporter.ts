import type { Agent as HttpAgent } from "node:http";
import type { RecordableHistogram } from "node:perf_hooks";
import { BoundedQueue } from "./bounded-queue.ts";
import { postInPieces, telemetryAgent } from "./post-in-pieces.ts";
import { traceRequestHead, TRACE_REQUEST_TAIL } from "./record-span.ts";

export interface SpanExporterOptions {
  /** Full OTLP/HTTP traces URL, e.g. http://control-plane:4000/v1/traces. */
  url: string;
  /** Authorization bearer to send, or null for none (an OTEL_EXPORTER_OTLP_ENDPOINT collector gets none). */
  credential: () => string | null;
  resource: { service: string; version: string };
  maxQueueSize: number;
  maxBatchSize: number;
  /** How long a span may wait for its batch to fill. */
  delayMs: number;
  timeoutMs: number;
  /** Records how long each export held the loop (encoding the request, handing it to the socket), in µs. */
  busy?: RecordableHistogram;
}

/** Answers worth sending the same batch again for (OTLP/HTTP's retryable codes); others drop it. */
const RETRYABLE = new Set([429, 502, 503, 504]);
const MAX_BACKOFF_MS = 5000;

/**
 * BatchSpanProcessor-style export of spans already encoded as OTLP/JSON text: they wait in a bounded queue and go
 * out as one POST per batch, one at a time. When the collector is unreachable or busy the batch is kept and retried
 * with backoff, and new spans beyond the queue are dropped and counted, so requests never wait for telemetry.
 */
export class SpanExporter {
  private readonly queue: BoundedQueue<string>;
  private readonly timer: NodeJS.Timeout;
  private readonly agent: HttpAgent;
  private readonly head: string;
  private exporting: Promise<boolean> | null = null;
  private retryAt = 0;
  private backoffMs = 0;
  /** Spans the collector refused for good. */
  private failed = 0;
  exported = 0;

  constructor(private readonly options: SpanExporterOptions) {
    this.queue = new BoundedQueue(options.maxQueueSize);
    this.agent = telemetryAgent(options.url);
    this.head = traceRequestHead(options.resource);
    this.timer = setInterval(() => void this.exportNext(), options.delayMs).unref();
  }

  get queued(): number {
    return this.queue.length;
  }

  add(span: string): void {
    this.queue.push(span);
    if (this.queue.length >= this.options.maxBatchSize) void this.exportNext();
  }

  /** Spans dropped (queue full or refused) since the last call. */
  takeDropped(): number {
    const dropped = this.queue.takeDropped() + this.failed;
    this.failed = 0;
    return dropped;
  }

  /** Exports everything queued now; stops at the first batch that does not go through. */
  async flush(): Promise<void> {
    this.retryAt = 0;
    for (;;) {
      if (this.exporting) await this.exporting;
      else if (this.queue.length === 0) return;
      else if (!(await this.exportNext())) return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    this.agent.destroy();
  }

  private exportNext(): Promise<boolean> {
    if (this.exporting) return this.exporting;
    if (this.queue.length === 0 || Date.now() < this.retryAt) return Promise.resolve(false);
    const batch = this.queue.take(this.options.maxBatchSize);
    const credential = this.options.credential();
    const sent = postInPieces(
      this.options.url,
      { agent: this.agent, headers: credential ? { authorization: `Bearer ${credential}` } : {}, timeoutMs: this.options.timeoutMs, busy: this.options.busy },
      { head: this.head, items: batch, tail: TRACE_REQUEST_TAIL },
    );
    this.exporting = sent.then(({ status }) => {
      this.exporting = null;
      if (status >= 200 && status < 300) {
        this.exported += batch.length;
        this.backoffMs = 0;
        if (this.queue.length >= this.options.maxBatchSize) void this.exportNext();
        return true;
      }
      if (status === 0 || RETRYABLE.has(status)) {
        this.queue.putBack(batch);
        this.backoffMs = Math.min(MAX_BACKOFF_MS, Math.max(this.options.delayMs, this.backoffMs * 2));
        this.retryAt = Date.now() + this.backoffMs;
      } else {
        this.failed += batch.length;
      }
      return false;
    });
    return this.exporting;
  }
}
