/** Every field of every kind, including the optional ones, so apply → get must carry all of them. */
export const EVERY_FIELD_YAML = `apiVersion: mesh/v1
kind: MeshConfig
metadata: { name: default, labels: { team: platform } }
spec:
  mtls: permissive
  defaultAccess: deny
  tracing: { sampling: 0.25 }
  telemetry: { retention: 12h }
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: reviews, labels: { tier: backend, owner: books } }
spec:
  routes:
    - name: jason
      match:
        headers: { x-user: jason, x-canary: { prefix: "yes" }, x-region: { regex: "^eu-" }, x-exact: { exact: "1" } }
        pathPrefix: /reviews
        methods: [GET, HEAD]
      backends: [{ version: v2, weight: 100 }]
    - match: { path: /reviews/exact }
      backends: [{ version: v3, weight: 100 }]
    - backends: [{ version: v1, weight: 90 }, { version: v3, weight: 10 }]
  timeout: 2s
  retries:
    attempts: 3
    perTryTimeout: 500ms
    retryOn: [5xx, connect-failure, reset, gateway-error, retriable-4xx]
    budgetPercent: 15
    retryNonIdempotent: true
    backoff: { base: 10ms, max: 100ms }
  loadBalancer: ewma
  circuitBreaker: { consecutiveErrors: 7, interval: 5s, baseEjectionTime: 20s, maxEjectionPercent: 40, maxPendingRequests: 64 }
  rateLimit: { requestsPerSecond: 12.5, burst: 50 }
  faults: { delay: { percent: 10, duration: 2s }, abort: { percent: 5, status: 503 } }
---
apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ratings }
spec: {}
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: ratings-readers, labels: { purpose: least-privilege } }
spec:
  target: ratings
  action: allow
  from: [reviews, "*"]
  to: [{ methods: [GET], paths: ["/ratings/*", "*.json", /health] }, { paths: ["*"] }]
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: block-legacy }
spec: { target: ratings, action: deny, from: [legacy] }
---
apiVersion: mesh/v1
kind: AccessPolicy
metadata: { name: watch-all }
spec: { target: reviews, action: audit, from: ["*"] }
`;

export function trafficPolicyYaml(name: string, v1Weight: number, labels: Record<string, string> = {}): string {
  return `apiVersion: mesh/v1
kind: TrafficPolicy
metadata: { name: ${name}, labels: ${JSON.stringify(labels)} }
spec:
  routes:
    - backends: [{ version: v1, weight: ${v1Weight} }, { version: v2, weight: ${100 - v1Weight} }]
`;
}
