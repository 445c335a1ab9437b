import { z } from "zod";
import { durationSchema } from "./duration.ts";
import { headerRegexProblem } from "./header-regex.ts";
import { httpMethodSchema, serviceNameSchema, versionSchema } from "./names.ts";

export const API_VERSION = "mesh/v1";
export const RESOURCE_KINDS = ["MeshConfig", "TrafficPolicy", "AccessPolicy"] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

const metadataSchema = z.strictObject({
  name: serviceNameSchema,
  labels: z.record(z.string(), z.string()).optional(),
});

// ---- MeshConfig ----

export const meshConfigSpecSchema = z.strictObject({
  mtls: z.enum(["strict", "permissive"], { error: "must be strict or permissive" }).default("strict"),
  defaultAccess: z.enum(["allow", "deny"], { error: "must be allow or deny" }).default("allow"),
  tracing: z
    .strictObject({
      /**
       * Fraction of new traces recorded, decided by trace id so every hop agrees (Istio's default, 1%). An incoming
       * sampled traceparent is always followed; a failed or slow hop keeps its span whatever the rate.
       */
      sampling: z.number().min(0, { error: "must be between 0 and 1" }).max(1, { error: "must be between 0 and 1" }).default(0.01),
      /** A hop that takes longer than this keeps its span even when its trace is not sampled (1s when absent). */
      slowThreshold: durationSchema.optional(),
    })
    .default({ sampling: 0.01 }),
  telemetry: z
    .strictObject({
      /** How long spans, metric rollups and access logs are kept. */
      retention: durationSchema.default("24h"),
    })
    .default({ retention: "24h" }),
});
export type MeshConfigSpec = z.infer<typeof meshConfigSpecSchema>;
export const DEFAULT_MESH_CONFIG: MeshConfigSpec = meshConfigSpecSchema.parse({});

// ---- TrafficPolicy ----

const headerMatchSchema = z.union(
  [
    z.string(),
    z
      .strictObject({ exact: z.string().optional(), prefix: z.string().optional(), regex: z.string().optional() })
      .refine((m) => [m.exact, m.prefix, m.regex].filter((v) => v !== undefined).length === 1, {
        error: "give exactly one of exact, prefix or regex",
      })
      .superRefine((m, ctx) => {
        const problem = m.regex === undefined ? null : headerRegexProblem(m.regex);
        if (problem) ctx.addIssue({ code: "custom", path: ["regex"], message: problem });
      }),
  ],
  { error: "must be a string (exact match) or one of {exact|prefix|regex}" },
);
export type HeaderMatch = z.infer<typeof headerMatchSchema>;

export const routeMatchSchema = z
  .strictObject({
    headers: z.record(z.string().min(1), headerMatchSchema).optional(),
    path: z.string().startsWith("/", { error: "must start with /" }).optional(),
    pathPrefix: z.string().startsWith("/", { error: "must start with /" }).optional(),
    methods: z.array(httpMethodSchema).min(1).optional(),
  })
  .refine((m) => !(m.path && m.pathPrefix), { error: "give path (exact) or pathPrefix, not both" });
export type RouteMatch = z.infer<typeof routeMatchSchema>;

export const backendSchema = z.strictObject({
  version: versionSchema,
  weight: z.int({ error: "must be a whole number" }).min(0, { error: "must be 0 to 100" }).max(100, { error: "must be 0 to 100" }),
});
export type Backend = z.infer<typeof backendSchema>;

export const routeSchema = z.strictObject({
  name: z.string().max(63).optional(),
  match: routeMatchSchema.optional(),
  backends: z
    .array(backendSchema)
    .min(1, { error: "needs at least one backend" })
    .superRefine((backends, ctx) => {
      const sum = backends.reduce((total, b) => total + b.weight, 0);
      if (sum !== 100) ctx.addIssue({ code: "custom", message: `weights sum to ${sum}, must be 100` });
      const seen = new Set<string>();
      for (const b of backends) {
        if (seen.has(b.version)) ctx.addIssue({ code: "custom", message: `version ${b.version} is listed twice` });
        seen.add(b.version);
      }
    }),
});
export type Route = z.infer<typeof routeSchema>;

export const RETRY_ON = ["5xx", "gateway-error", "connect-failure", "reset", "retriable-4xx"] as const;
export const retryPolicySchema = z.strictObject({
  attempts: z.int().min(1, { error: "must be 1 to 10" }).max(10, { error: "must be 1 to 10" }),
  perTryTimeout: durationSchema.optional(),
  retryOn: z.array(z.enum(RETRY_ON, { error: `must be one of ${RETRY_ON.join(", ")}` })).default(["5xx", "connect-failure", "reset"]),
  /** Retries may add at most this percentage of extra requests (Linkerd-style retry budget). */
  budgetPercent: z.number().min(0).max(100).default(20),
  /** Retry POST and PATCH too; off by default because they may not be safe to repeat. */
  retryNonIdempotent: z.boolean().default(false),
  backoff: z
    .strictObject({ base: durationSchema.default("25ms"), max: durationSchema.default("250ms") })
    .default({ base: "25ms", max: "250ms" }),
});
export type RetryPolicy = z.infer<typeof retryPolicySchema>;

export const LOAD_BALANCERS = ["round-robin", "least-request", "random", "ewma"] as const;
export type LoadBalancer = (typeof LOAD_BALANCERS)[number];

export const circuitBreakerSchema = z.strictObject({
  consecutiveErrors: z.int().min(1).default(5),
  interval: durationSchema.default("10s"),
  baseEjectionTime: durationSchema.default("30s"),
  maxEjectionPercent: z.number().min(0).max(100).default(50),
  /** Requests waiting or in flight to this destination beyond which new ones get 503 overloaded. */
  maxPendingRequests: z.int().min(1).optional(),
});
export type CircuitBreaker = z.infer<typeof circuitBreakerSchema>;

export const rateLimitSchema = z.strictObject({
  requestsPerSecond: z.number().positive({ error: "must be greater than zero" }),
  burst: z.int().min(1, { error: "must be at least 1" }),
});
export type RateLimit = z.infer<typeof rateLimitSchema>;

const percentSchema = z.number().min(0, { error: "must be 0 to 100" }).max(100, { error: "must be 0 to 100" });
export const faultsSchema = z.strictObject({
  delay: z.strictObject({ percent: percentSchema, duration: durationSchema }).optional(),
  abort: z
    .strictObject({ percent: percentSchema, status: z.int().min(200, { error: "must be an HTTP status 200-599" }).max(599, { error: "must be an HTTP status 200-599" }) })
    .optional(),
});
export type Faults = z.infer<typeof faultsSchema>;

/** A route's request timeout when its TrafficPolicy sets none (Envoy's default too); `timeout: 0s` turns it off. */
export const DEFAULT_REQUEST_TIMEOUT = "15s";

export const trafficPolicySpecSchema = z.strictObject({
  /** Ordered, first match wins; a route without match catches all. No routes: every version shares traffic. */
  routes: z.array(routeSchema).optional(),
  timeout: durationSchema.optional(),
  retries: retryPolicySchema.optional(),
  loadBalancer: z.enum(LOAD_BALANCERS, { error: `must be one of ${LOAD_BALANCERS.join(", ")}` }).default("least-request"),
  circuitBreaker: circuitBreakerSchema.optional(),
  rateLimit: rateLimitSchema.optional(),
  faults: faultsSchema.optional(),
});
export type TrafficPolicySpec = z.infer<typeof trafficPolicySpecSchema>;

// ---- AccessPolicy ----

/** "/ratings/*" (prefix), "*.json" (suffix), "*" (any) or an exact path. */
export const pathPatternSchema = z.string().refine((p) => p === "*" || p.startsWith("/") || p.startsWith("*"), {
  error: 'must be an exact path, a prefix like "/api/*", a suffix like "*.json", or "*"',
});

export const accessPolicySpecSchema = z.strictObject({
  target: serviceNameSchema,
  action: z.enum(["allow", "deny", "audit"], { error: "must be allow, deny or audit" }),
  from: z.array(z.union([z.literal("*"), serviceNameSchema])).min(1, { error: 'name at least one service, or "*"' }),
  to: z
    .array(z.strictObject({ methods: z.array(httpMethodSchema).min(1).optional(), paths: z.array(pathPatternSchema).min(1).optional() }))
    .min(1)
    .optional(),
});
export type AccessPolicySpec = z.infer<typeof accessPolicySpecSchema>;

// ---- documents ----

const document = <K extends ResourceKind, S extends z.ZodType>(kind: K, spec: S) =>
  z.strictObject({
    apiVersion: z.literal(API_VERSION, { error: `must be ${API_VERSION}` }),
    kind: z.literal(kind),
    metadata: metadataSchema,
    spec,
  });

export const meshConfigSchema = document("MeshConfig", meshConfigSpecSchema).refine((r) => r.metadata.name === "default", {
  error: 'MeshConfig must be named "default"',
  path: ["metadata", "name"],
});
export const trafficPolicySchema = document("TrafficPolicy", trafficPolicySpecSchema);
export const accessPolicySchema = document("AccessPolicy", accessPolicySpecSchema);

export const resourceSchema = z.discriminatedUnion("kind", [meshConfigSchema, trafficPolicySchema, accessPolicySchema], {
  error: `kind must be one of ${RESOURCE_KINDS.join(", ")}`,
});
export type Resource = z.infer<typeof resourceSchema>;
export type MeshConfigResource = z.infer<typeof meshConfigSchema>;
export type TrafficPolicyResource = z.infer<typeof trafficPolicySchema>;
export type AccessPolicyResource = z.infer<typeof accessPolicySchema>;
export type ResourceOf<K extends ResourceKind> = Extract<Resource, { kind: K }>;

export function resourceKey(r: { kind: string; metadata: { name: string } }): string {
  return `${r.kind}/${r.metadata.name}`;
}
