/**
 * The mesh the browser tests look at: a small bookinfo-like app with a canary and one failing edge, reported
 * as its agents would (seeded), plus storefront → checkout v1/v2 run by real agents (real-agents.ts).
 */

export const DEMO_INSTANCES = [
  { service: "frontend", version: "v1" },
  { service: "reviews", version: "v1" },
  { service: "reviews", version: "v2" },
  { service: "ratings", version: "v1" },
  { service: "details", version: "v1" },
] as const;

export interface DemoEdge {
  source: string;
  destination: string;
  /** Share of the edge's traffic per destination version. */
  versions: Record<string, number>;
  rps: number;
  errorRate: number;
  medianMs: number;
  mtls: boolean;
}

export const DEMO_EDGES: DemoEdge[] = [
  { source: "frontend", destination: "reviews", versions: { v1: 0.9, v2: 0.1 }, rps: 12, errorRate: 0, medianMs: 24, mtls: true },
  { source: "frontend", destination: "details", versions: { v1: 1 }, rps: 12, errorRate: 0, medianMs: 6, mtls: true },
  { source: "reviews", destination: "ratings", versions: { v1: 1 }, rps: 11, errorRate: 0.05, medianMs: 9, mtls: true },
];

export const DEMO_RESOURCES = `apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default }
spec:
  mtls: strict
  defaultAccess: allow
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews }
spec:
  routes:
    - match: { headers: { x-user: jason } }
      backends: [{ version: v2, weight: 100 }]
    - backends: [{ version: v1, weight: 90 }, { version: v2, weight: 10 }]
  timeout: 2s
  retries: { attempts: 3, perTryTimeout: 500ms }
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: checkout }
spec:
  routes:
    - backends: [{ version: v1, weight: 80 }, { version: v2, weight: 20 }]
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers }
spec:
  target: ratings
  action: allow
  from: [reviews]
  to: [{ methods: [GET], paths: ["/ratings/*"] }]
`;
