import { expect } from "vitest";
import { runMesh } from "../../apps/api/test/cli/run-mesh.ts";
import { waitFor } from "../../packages/testkit/src/wait-for.ts";
import { apiQuery } from "./api-query.ts";

interface TraceSummary {
  traceId: string;
}
interface Span {
  service: string;
  version: string | null;
  httpStatus: number | null;
  meshError: string | null;
  children: Span[];
}
interface Trace {
  traceId: string;
  roots: Span[];
}

const flatten = (spans: Span[]): Span[] => spans.flatMap((span) => [span, ...flatten(span.children)]);

/** The README's tour, step by step, with the real CLI against the running demo mesh. */
export async function takeTheTour(apiUrl: string, token: string): Promise<void> {
  const mesh = (args: string[], stdin?: string) => runMesh(args, { MESH_API_URL: apiUrl, MESH_TOKEN: token }, stdin);
  const recentSpans = async (service: string, since: number, traces = 5) => {
    const list = await apiQuery<TraceSummary[]>(apiUrl, token, "traces.list", { service, from: since, limit: traces });
    const details = await Promise.all(list.map((t) => apiQuery<Trace>(apiUrl, token, "traces.get", { traceId: t.traceId })));
    return details.map((trace) => ({ trace, spans: flatten(trace.roots) }));
  };

  // 1. Every agent reports the starter config as applied.
  const status = await waitFor(
    async () => {
      const run = await mesh(["status"]);
      return run.code === 0 && run.stdout.startsWith("config revision 1; 7 agents\n") ? run.stdout : null;
    },
    { timeoutMs: 30_000, intervalMs: 1000, what: "`mesh status` to show 7 agents on revision 1" },
  );
  expect(status).toMatch(/^reviews\s+v3\s+\S+\s+\S+\s+ok\s+\S+\s+1\s/m);

  // 2. Shift traffic: every non-jason request to reviews v3.
  const shift = await mesh(["apply", "-f", "-"], `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - match: { headers: { x-user: jason } }
      backends: [{ version: v2, weight: 100 }]
    - backends: [{ version: v3, weight: 100 }]
  timeout: 2s
`);
  expect(shift.stdout).toContain("TrafficPolicy/reviews updated");
  const shiftedAt = Date.now() + 2000;
  await waitFor(
    async () => {
      const traces = await recentSpans("reviews", shiftedAt);
      const versions = traces.flatMap(({ spans }) => spans.filter((s) => s.service === "reviews" && s.version).map((s) => s.version));
      return traces.length >= 3 && versions.length > 0 && versions.every((v) => v === "v2" || v === "v3");
    },
    { timeoutMs: 30_000, intervalMs: 1000, what: "traces after the shift to reach only reviews v2/v3" },
  );

  // 3. Read a trace: loadgen → productpage → details / reviews → ratings, a span from every hop.
  const everyService = ["details", "loadgen", "productpage", "ratings", "reviews"];
  await waitFor(
    async () =>
      (await recentSpans("ratings", shiftedAt)).some(({ spans }) => everyService.every((service) => spans.some((s) => s.service === service))),
    { timeoutMs: 30_000, intervalMs: 1000, what: "a complete trace through all five services" },
  );

  // 4. Deny a call and watch it fail with its cause.
  const deny = await mesh(["apply", "-f", "-"], `apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-closed }
spec:
  target: ratings
  action: deny
  from: ["*"]
`);
  expect(deny.code).toBe(0);
  const check = await mesh(["check", "--from", "reviews", "--to", "ratings", "--path", "/ratings/0"]);
  expect(check.code).toBe(1);
  expect(check.stdout).toContain("rule:   AccessPolicy/ratings-closed");
  const deniedAt = Date.now() + 2000;
  const denied = await waitFor(
    async () => (await recentSpans("ratings", deniedAt)).find(({ spans }) => spans.some((s) => s.meshError === "denied")),
    { timeoutMs: 30_000, intervalMs: 1000, what: "a span showing the call to ratings denied" },
  );
  expect(denied.spans.find((s) => s.meshError === "denied")?.httpStatus).toBe(403);
  const waterfall = await mesh(["traces", "get", denied.trace.traceId]);
  expect(waterfall.code).toBe(0);
  expect(waterfall.stdout).toMatch(/^\s*ratings@v1 GET \/ratings\/\d+\s+[\d.]+ ms\s+403 denied\s/m);

  // Undo it: the mesh's history makes that one command.
  const history = await mesh(["history", "-o", "json"]);
  const [latest] = JSON.parse(history.stdout) as { id: number }[];
  const rollback = await mesh(["rollback", String(latest!.id - 1)]);
  expect(rollback.stdout).toContain("AccessPolicy/ratings-closed deleted");
}
