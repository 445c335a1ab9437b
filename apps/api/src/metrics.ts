import { collectDefaultMetrics, Counter, Registry } from "prom-client";

// prom-client exports these gauges with a "_total" suffix, which `promtool check metrics` rejects.
const MISNAMED_DEFAULT_GAUGES = ["nodejs_active_handles_total", "nodejs_active_requests_total", "nodejs_active_resources_total"];

/** The control plane's own Prometheus metrics (one registry per control plane, so several can share a process). */
export function createApiMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  for (const name of MISNAMED_DEFAULT_GAUGES) registry.removeSingleMetric(name);
  const httpRequests = new Counter({
    name: "mesh_api_http_requests_total",
    help: "HTTP requests served by the control plane",
    labelNames: ["route", "code"] as const,
    registers: [registry],
  });
  return { registry, httpRequests };
}
export type ApiMetrics = ReturnType<typeof createApiMetrics>;
