import { Counter, Registry, collectDefaultMetrics, type Metric, type MetricObjectWithValues, type MetricValueWithName } from "prom-client";
import type { AgentState, RequestRecord } from "../state.ts";

type EdgeLabel = "direction" | "source" | "destination" | "destination_version" | "code";
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// prom-client exports these gauges with a "_total" suffix, which `promtool check metrics` rejects.
const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** One edge's requests and latency: plain numbers, bumped in place per request. */
interface EdgeSeries {
  labels: Record<EdgeLabel, string>;
  /** Requests per duration bucket (not cumulative), one slot per bound plus +Inf. */
  buckets: Float64Array;
  sumSeconds: number;
  count: number;
}

/**
 * mesh_requests_total and mesh_request_duration_seconds, counted per edge in preallocated arrays: a request costs
 * a string key, a Map lookup and a few additions (prom-client's labels()/observe() built and hashed a label object
 * per request). prom-client still formats them, from these arrays, when /metrics is scraped.
 */
class EdgeMetrics {
  private readonly series = new Map<string, EdgeSeries>();

  add(record: RequestRecord): void {
    const key = `${record.direction}\u0001${record.source}\u0001${record.destination}\u0001${record.destinationVersion}\u0001${record.status}`;
    let series = this.series.get(key);
    if (!series) {
      series = {
        labels: {
          direction: record.direction,
          source: record.source,
          destination: record.destination,
          destination_version: record.destinationVersion,
          code: String(record.status),
        },
        buckets: new Float64Array(DURATION_BUCKETS.length + 1),
        sumSeconds: 0,
        count: 0,
      };
      this.series.set(key, series);
    }
    const seconds = record.durationMs / 1000;
    let bucket = 0;
    while (bucket < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[bucket]!) bucket++;
    series.buckets[bucket]!++;
    series.sumSeconds += seconds;
    series.count++;
  }

  /** The request counter as prom-client's registry reads a metric. */
  requests(): Metric {
    const name = "mesh_requests_total";
    const help = "Requests handled by this agent, by direction, caller, destination, destination version and status code.";
    return this.exposed(name, help, "counter", () => [...this.series.values()].map((s) => ({ labels: s.labels, value: s.count })));
  }

  /** The duration histogram as prom-client's registry reads a metric (cumulative buckets, _sum, _count). */
  duration(): Metric {
    const name = "mesh_request_duration_seconds";
    const help = "Time from request received to response finished, as seen by this agent.";
    return this.exposed(name, help, "histogram", () => {
      const values: MetricValueWithName<string>[] = [];
      for (const s of this.series.values()) {
        let cumulative = 0;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          cumulative += s.buckets[i]!;
          values.push({ metricName: `${name}_bucket`, labels: { le: DURATION_BUCKETS[i]!, ...s.labels }, value: cumulative });
        }
        values.push({ metricName: `${name}_bucket`, labels: { le: "+Inf", ...s.labels }, value: s.count });
        values.push({ metricName: `${name}_sum`, labels: s.labels, value: s.sumSeconds });
        values.push({ metricName: `${name}_count`, labels: s.labels, value: s.count });
      }
      return values;
    });
  }

  private exposed(name: string, help: string, type: "counter" | "histogram", values: () => MetricValueWithName<string>[]): Metric {
    const metric = {
      name,
      help,
      type,
      aggregator: "sum",
      get: async (): Promise<MetricObjectWithValues<MetricValueWithName<string>>> => ({ name, help, type, aggregator: "sum", values: values() }) as never,
      reset: () => this.series.clear(),
    };
    // The registry only calls get() and reset(); a full prom-client class would hash labels again per request.
    return metric as unknown as Metric;
  }
}

/** This agent's Prometheus registry: request count and latency per edge, fed by every finished request, endpoint ejections, plus process metrics. */
export function createAgentMetrics(state: AgentState): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: state.service, version: state.version });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const edges = new EdgeMetrics();
  registry.registerMetric(edges.requests());
  registry.registerMetric(edges.duration());
  // Upgraded (WebSocket) connections are few and long: a labelled prom-client counter is cheap enough for them.
  const upgradedBytes = new Counter({
    name: "mesh_upgraded_bytes_total",
    help: "Bytes carried by upgraded (WebSocket) connections after their 101, counted when each closes: from the client, or to it.",
    labelNames: ["direction", "source", "destination", "flow"] as const,
    registers: [registry],
  });
  state.onRecord((record: RequestRecord) => {
    edges.add(record);
    const bytes = record.tunnelBytes;
    if (!bytes) return;
    const labels = { direction: record.direction, source: record.source, destination: record.destination };
    upgradedBytes.inc({ ...labels, flow: "from_client" }, bytes.fromClient);
    upgradedBytes.inc({ ...labels, flow: "to_client" }, bytes.toClient);
  });
  const ejections = new Counter({
    name: "mesh_endpoint_ejections_total",
    help: "Endpoints this agent took out of a destination's load balancing: connect-failure and reset until a reconnect succeeds, consecutive-errors for the circuit breaker's ejection time.",
    labelNames: ["destination", "version", "endpoint", "reason"] as const,
    registers: [registry],
  });
  state.on("ejection", (ejection) => ejections.inc(ejection));
  return registry;
}
