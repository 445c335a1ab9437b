import type { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BoundedQueue } from "./bounded-queue.ts";
import type { ExportableSpan } from "./record-span.ts";

/** What the batcher needs of an exporter (typed through the OTLP exporter, whose SDK version it pins). */
export type SpanSink = Pick<OTLPTraceExporter, "export" | "shutdown">;
/** ExportResultCode.SUCCESS of the exporter's own @opentelemetry/core, which the agent does not import. */
const EXPORT_SUCCESS = 0;

export interface SpanBatcherOptions {
  maxQueueSize: number;
  maxBatchSize: number;
  /** How long a span may wait for its batch to fill. */
  delayMs: number;
}

/**
 * BatchSpanProcessor-style batching in front of an exporter: spans wait in a bounded queue and go out
 * in batches, one export at a time; when the exporter cannot keep up (collector down) new spans are
 * dropped and counted, so requests never wait for telemetry.
 */
export class SpanBatcher {
  private readonly queue: BoundedQueue<ExportableSpan>;
  private readonly timer: NodeJS.Timeout;
  private exporting: Promise<void> | null = null;
  /** Spans the exporter gave up on (after its own retries). */
  failed = 0;
  exported = 0;

  constructor(
    private readonly sink: SpanSink,
    private readonly options: SpanBatcherOptions,
  ) {
    this.queue = new BoundedQueue(options.maxQueueSize);
    this.timer = setInterval(() => void this.exportNext(), options.delayMs).unref();
  }

  get queued(): number {
    return this.queue.length;
  }

  add(span: ExportableSpan): void {
    this.queue.push(span);
    if (this.queue.length >= this.options.maxBatchSize) void this.exportNext();
  }

  /** Spans dropped (queue full or export failed) since the last call. */
  takeDropped(): number {
    const dropped = this.queue.takeDropped() + this.failed;
    this.failed = 0;
    return dropped;
  }

  /** Exports everything queued now. */
  async flush(): Promise<void> {
    for (;;) {
      if (this.exporting) await this.exporting;
      else if (this.queue.length > 0) await this.exportNext();
      else return;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
    await this.sink.shutdown();
  }

  private exportNext(): Promise<void> {
    if (this.exporting || this.queue.length === 0) return this.exporting ?? Promise.resolve();
    const batch = this.queue.take(this.options.maxBatchSize);
    this.exporting = new Promise<void>((resolve) => {
      this.sink.export(batch, (result) => {
        if (result.code === EXPORT_SUCCESS) this.exported += batch.length;
        else this.failed += batch.length;
        resolve();
      });
    }).finally(() => {
      this.exporting = null;
      if (this.queue.length >= this.options.maxBatchSize) void this.exportNext();
    });
    return this.exporting;
  }
}
