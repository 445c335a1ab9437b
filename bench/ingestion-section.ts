import { benchIngestion, INGESTION_DEFAULTS, type IngestionOptions } from "./ingestion.ts";
import { formatNumber, type BenchSection } from "./section.ts";

const TARGET_SPANS_PER_SECOND = 20_000;

/** Item 3: bench/ingestion.ts (the observability part's benchmark) with its method and target, for the table. */
export async function ingestionSection(options: IngestionOptions = INGESTION_DEFAULTS): Promise<BenchSection> {
  const { spansPerSecond, reportsPerSecond } = await benchIngestion(options);
  return {
    title: "Ingestion",
    method: [
      "- A control plane on a fresh database of the machine's PostgreSQL (bench/ingestion.ts).",
      `- Spans: ${options.spanBatches} OTLP/JSON batches of ${options.spansPerBatch} spans POSTed to /v1/traces by ${options.senders} concurrent senders (agent credentials); the figure is spans stored per second, checked by counting the rows afterwards. Bodies are built before the clock starts.`,
      `- Metric reports: ${options.reports} agent telemetry.report calls (${options.rollupsPerReport} metric rollups + ${options.accessLogsPerReport} access logs each) from ${options.senders} concurrent senders.`,
    ],
    figures: [
      { metric: "spans stored per second", value: formatNumber(spansPerSecond), target: `≥ ${formatNumber(TARGET_SPANS_PER_SECOND)}`, met: spansPerSecond >= TARGET_SPANS_PER_SECOND },
      { metric: `telemetry reports per second (${options.rollupsPerReport} rollups + ${options.accessLogsPerReport} logs each)`, value: formatNumber(reportsPerSecond) },
    ],
  };
}
