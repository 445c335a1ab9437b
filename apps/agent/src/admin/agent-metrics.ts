import { Counter, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { AgentState, RequestRecord } from "../state.ts";

const LABELS = ["direction", "source", "destination", "destination_version", "code"] as const;
const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
// prom-client exports these gauges with a "_total" suffix, which `promtool check metrics` rejects.
const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** This agent's Prometheus registry: request count and latency per edge, fed by every finished request, endpoint ejections, plus process metrics. */
export function createAgentMetrics(state: AgentState): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service: state.service, version: state.version });
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const requests = new Counter({
    name: "mesh_requests_total",
    help: "Requests handled by this agent, by direction, caller, destination, destination version and status code.",
    labelNames: LABELS,
    registers: [registry],
  });
  const duration = new Histogram({
    name: "mesh_request_duration_seconds",
    help: "Time from request received to response finished, as seen by this agent.",
    labelNames: LABELS,
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  state.onRecord((record: RequestRecord) => {
    const labels = {
      direction: record.direction,
      source: record.source,
      destination: record.destination,
      destination_version: record.destinationVersion,
      code: String(record.status),
    };
    requests.inc(labels);
    duration.observe(labels, record.durationMs / 1000);
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
