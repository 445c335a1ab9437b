// Telemetry ingestion into PostgreSQL: OTLP/JSON span batches at POST /v1/traces and agents' telemetry.report
// calls, each from several concurrent senders, into a real control plane on the machine's PostgreSQL.
// Run alone with `npx tsx bench/ingestion.ts`.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createApiClient } from "../apps/api/src/cli/api-client.ts";
import { startControlPlane } from "../apps/api/src/server.ts";
import { emptyLatencyCounts, recordLatency, rollupBucketStart, type TelemetryReport } from "../packages/shared/src/index.ts";
import { createTestDatabase } from "../packages/testkit/src/database.ts";

export interface IngestionOptions {
  senders: number;
  spanBatches: number;
  spansPerBatch: number;
  reports: number;
  rollupsPerReport: number;
  accessLogsPerReport: number;
}

export const INGESTION_DEFAULTS: IngestionOptions = { senders: 4, spanBatches: 160, spansPerBatch: 512, reports: 400, rollupsPerReport: 10, accessLogsPerReport: 100 };

export async function benchIngestion(options: IngestionOptions = INGESTION_DEFAULTS): Promise<{ spansPerSecond: number; reportsPerSecond: number }> {
  const database = await createTestDatabase("mesh_bench_ingest");
  const dataDir = await mkdtemp(path.join(tmpdir(), "mesh-bench-ingest-"));
  const controlPlane = await startControlPlane({ port: 0, host: "127.0.0.1", databaseUrl: database.url, dataDir, log: false });
  try {
    const client = (token: string) => createApiClient(controlPlane.url, token);
    const senders = await Promise.all(
      Array.from({ length: options.senders }, async (_, i) => {
        const service = `sender-${i}`;
        const { credential } = await client(controlPlane.joinToken).agent.register.mutate({ service, version: "v1", address: "127.0.0.1", inboundPort: 15006 });
        return { service, credential, api: client(credential) };
      }),
    );

    // Bodies are built before the clock starts, so the figure is the control plane's, not the generator's.
    const batches = Array.from({ length: options.spanBatches }, (_, i) => {
      const sender = senders[i % senders.length]!;
      return { sender, body: spanBatch(sender.service, options.spansPerBatch) };
    });
    const spansStarted = performance.now();
    await inParallel(options.senders, batches, async ({ sender, body }) => {
      const response = await fetch(`${controlPlane.url}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${sender.credential}` },
        body,
      });
      if (response.status !== 200) throw new Error(`POST /v1/traces answered ${response.status}: ${await response.text()}`);
    });
    const spanSeconds = (performance.now() - spansStarted) / 1000;
    const stored = await controlPlane.deps.prisma.span.count();
    const expected = options.spanBatches * options.spansPerBatch;
    if (stored !== expected) throw new Error(`stored ${stored} spans, sent ${expected}`);

    const reports = Array.from({ length: options.reports }, (_, i) => {
      const sender = senders[i % senders.length]!;
      return { sender, report: telemetryReport(sender.service, i, options) };
    });
    const reportsStarted = performance.now();
    await inParallel(options.senders, reports, ({ sender, report }) => sender.api.telemetry.report.mutate(report));
    const reportSeconds = (performance.now() - reportsStarted) / 1000;

    return { spansPerSecond: expected / spanSeconds, reportsPerSecond: options.reports / reportSeconds };
  } finally {
    await controlPlane.close();
    await database.drop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

function spanBatch(service: string, count: number): string {
  const traceId = randomBytes(16).toString("hex");
  const startNs = BigInt(Date.now()) * 1_000_000n;
  const spans = Array.from({ length: count }, (_, i) => ({
    traceId,
    spanId: randomBytes(8).toString("hex"),
    name: "GET /items",
    kind: 3,
    startTimeUnixNano: (startNs + BigInt(i) * 1000n).toString(),
    endTimeUnixNano: (startNs + BigInt(i) * 1000n + 2_500_000n).toString(),
    attributes: [
      { key: "http.request.method", value: { stringValue: "GET" } },
      { key: "url.path", value: { stringValue: "/items" } },
      { key: "http.response.status_code", value: { intValue: 200 } },
      { key: "mesh.destination", value: { stringValue: "inventory" } },
    ],
    status: { code: 0 },
  }));
  return JSON.stringify({
    resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: service } }] }, scopeSpans: [{ scope: { name: "bench" }, spans }] }],
  });
}

function telemetryReport(service: string, index: number, options: IngestionOptions): TelemetryReport {
  const now = Date.now();
  const latencyBuckets = emptyLatencyCounts();
  for (let i = 0; i < 50; i++) recordLatency(latencyBuckets, 1 + i);
  return {
    rollups: Array.from({ length: options.rollupsPerReport }, (_, i) => ({
      // Successive reports hit the same rows, as an agent's reports do within a 10 s bucket.
      bucketStart: rollupBucketStart(now) - 10_000 * (index % 3),
      direction: "outbound" as const,
      source: service,
      destination: `dest-${i}`,
      destinationVersion: "v1",
      statusCounts: { "200": 48, "503": 2 },
      latencyBuckets,
      latencySumMs: 1275,
      mtls: true,
    })),
    accessLogs: Array.from({ length: options.accessLogsPerReport }, (_, i) => ({
      time: now,
      direction: "outbound" as const,
      source: service,
      destination: `dest-${i % options.rollupsPerReport}`,
      version: "v1",
      method: "GET",
      path: "/items",
      status: 200,
      durationMs: 2.5,
      cause: null,
      traceId: randomBytes(16).toString("hex"),
    })),
  };
}

async function inParallel<T>(concurrency: number, items: T[], work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < items.length) await work(items[next++]!);
    }),
  );
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const result = await benchIngestion();
  console.log(`spans ingested into PostgreSQL: ${Math.round(result.spansPerSecond).toLocaleString("en-US")} spans/s`);
  console.log(`telemetry reports (${INGESTION_DEFAULTS.rollupsPerReport} rollups + ${INGESTION_DEFAULTS.accessLogsPerReport} access logs each): ${Math.round(result.reportsPerSecond).toLocaleString("en-US")} reports/s`);
  process.exit(0);
}
