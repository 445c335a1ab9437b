import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { monitorEventLoopDelay } from "node:perf_hooks";
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAgentMetrics } from "../../src/admin/agent-metrics.ts";
import { AgentState } from "../../src/state.ts";
import { startTelemetry } from "../../src/telemetry/index.ts";
import { requestRecord } from "./record-fixture.ts";

/**
 * A collector in its own process: answers every OTLP export and telemetry report with 200, so what the measured
 * loop does is only the agent's own telemetry work.
 */
const COLLECTOR = `
const http = require("node:http");
const server = http.createServer((req, res) => {
  let bytes = 0;
  req.on("data", (c) => (bytes += c.length));
  req.on("end", () => {
    res.writeHead(200, { "content-type": "application/json" });
    res.end(req.url.startsWith("/trpc") ? '{"result":{"data":null}}' : "{}");
  });
});
server.listen(0, "127.0.0.1", () => console.log(server.address().port));
`;

let collector: ChildProcess;
let collectorUrl: string;
let devNull: number;

beforeAll(async () => {
  collector = spawn(process.execPath, ["-e", COLLECTOR], { stdio: ["ignore", "pipe", "inherit"] });
  const port = await new Promise<string>((resolve) => collector.stdout!.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
  collectorUrl = `http://127.0.0.1:${port}`;
  devNull = openSync("/dev/null", "w");
});

afterAll(() => {
  collector?.kill();
  if (devNull) closeSync(devNull);
});

/** Two agents, both sides, at 1,000 req/s: 4,000 finished-request records a second, every one traced (100% sampling). */
const RECORDS_PER_SECOND = 4000;
const ROUND_MS = 1000;
const ROUNDS = 6;

interface Round {
  maxMs: number;
  p99Ms: number;
  records: number;
  cpuUsPerRecord: number;
}

/** Feeds `state` records at RECORDS_PER_SECOND for `ms`, as the data path would (a fresh record per request), and measures the loop. */
async function driveRound(state: AgentState, ms: number): Promise<Round> {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  let sent = 0;
  histogram.enable();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = performance.now() - started;
      const due = Math.min(Math.floor((elapsed * RECORDS_PER_SECOND) / 1000), Math.floor((ms * RECORDS_PER_SECOND) / 1000));
      for (; sent < due; sent++) {
        state.record(
          requestRecord({
            direction: sent % 2 ? "inbound" : "outbound",
            startTime: Date.now(),
            status: sent % 50 === 0 ? 503 : 200,
            traceId: randomBytes(16).toString("hex"),
            spanId: randomBytes(8).toString("hex"),
            path: `/items/${sent % 100}?page=2`,
          }),
        );
      }
      if (elapsed >= ms) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  histogram.disable();
  const cpu = process.cpuUsage(cpuBefore);
  return { maxMs: histogram.max / 1e6, p99Ms: histogram.percentile(99) / 1e6, records: sent, cpuUsPerRecord: (cpu.user + cpu.system) / sent };
}

describe("telemetry stays off the request path's event loop", () => {
  it("works in sub-millisecond slices, and keeps the loop's delay near its delay without telemetry, at 4,000 traced records/s (two agents' both sides at 1,000 req/s)", async () => {
    // Metrics stay in both: /metrics is served whether telemetry is on or off.
    const off = new AgentState("a", "v1");
    createAgentMetrics(off);
    const on = new AgentState("a", "v1");
    createAgentMetrics(on);
    const telemetry = startTelemetry(on, { controlPlaneUrl: collectorUrl, credential: () => "mesh_agent_test", accessLogFd: devNull, reportIntervalMs: 1000, spanDelayMs: 200 });
    try {
      await driveRound(on, 500); // warm up: JIT, the collector's connection
      await telemetry.flush();
      const rounds = { off: [] as Round[], on: [] as Round[] };
      // Alternating rounds, so load from elsewhere on a shared machine falls on both modes alike.
      for (let i = 0; i < ROUNDS; i++) {
        rounds.off.push(await driveRound(off, ROUND_MS));
        rounds.on.push(await driveRound(on, ROUND_MS));
      }
      await telemetry.flush();
      const stats = telemetry.stats();
      // A stall the telemetry causes recurs in every round; a stall from another process or a GC pause on a loaded
      // 2-core host falls on some rounds only. So each mode's figure is its best round's, and the telemetry's share is
      // the difference. Measured on such a host (load ~2): the off-mode max ranges 4–50 ms between rounds; with
      // telemetry the best-round max is 1–6 ms higher and p99 ~1 ms higher, while the telemetry's own stretches
      // (time-boxed slices, exports written in pieces) have a median of 0.1–0.25 ms: the excess is GC and preemption
      // from the extra CPU, not a telemetry encode (--trace-gc at 100% tracing: ~3.5× the young-generation scavenges,
      // ~1.5 ms each, as the encoded spans and lines are allocated). The 1 ms goal holds for the work itself
      // (asserted on the medians); the loop bounds are set to pass on a loaded host and still catch a regression to
      // whole-batch encoding (the OpenTelemetry exporter's 3–8 ms stalls, twice a second, on top of its GC).
      const best = (list: Round[], key: "maxMs" | "p99Ms") => Math.min(...list.map((r) => r[key]));
      const figures = {
        maxOffMs: best(rounds.off, "maxMs"),
        maxOnMs: best(rounds.on, "maxMs"),
        p99OffMs: best(rounds.off, "p99Ms"),
        p99OnMs: best(rounds.on, "p99Ms"),
        cpuUsPerRecordOff: Math.min(...rounds.off.map((r) => r.cpuUsPerRecord)),
        cpuUsPerRecordOn: Math.min(...rounds.on.map((r) => r.cpuUsPerRecord)),
        sliceMs: stats.sliceMs,
        exportMs: stats.exportMs,
        spansExported: stats.spansExported,
      };
      console.log("event loop delay with and without telemetry", JSON.stringify(figures), JSON.stringify(rounds));
      const recorded = rounds.on.reduce((sum, r) => sum + r.records, 0);
      // It did the work: every record of the measured rounds became a span that reached the collector, none dropped.
      expect(stats.spansExported).toBeGreaterThanOrEqual(recorded);
      expect(stats.droppedRecords).toBe(0);
      expect(stats.sliceMs.p50, JSON.stringify(figures)).toBeLessThan(0.5);
      expect(stats.exportMs.p50, JSON.stringify(figures)).toBeLessThan(0.5);
      expect(figures.maxOnMs - figures.maxOffMs, JSON.stringify(figures)).toBeLessThan(8);
      expect(figures.p99OnMs - figures.p99OffMs, JSON.stringify(figures)).toBeLessThan(2);
    } finally {
      await telemetry.close();
    }
  }, 60_000);
});
