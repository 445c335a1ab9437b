/** One app instance of the demo and its agent. */
export interface DemoInstance {
  service: string;
  version: string;
  /** Entry under examples/bookinfo/apps/. */
  app: string;
  env?: Record<string, string>;
}

/**
 * The bookinfo mesh: 5 services, 7 instances. `loadgen` is the traffic generator's own service, so its
 * calls enter the mesh with an identity (and access policy can name it).
 */
export const BOOKINFO_INSTANCES: readonly DemoInstance[] = [
  { service: "productpage", version: "v1", app: "productpage.ts" },
  { service: "details", version: "v1", app: "details.ts" },
  { service: "reviews", version: "v1", app: "reviews.ts", env: { VERSION: "v1" } },
  { service: "reviews", version: "v2", app: "reviews.ts", env: { VERSION: "v2" } },
  { service: "reviews", version: "v3", app: "reviews.ts", env: { VERSION: "v3", FAILURE_PERCENT: "10" } },
  { service: "ratings", version: "v1", app: "ratings.ts", env: { SLOW_PERCENT: "5", SLOW_MS: "300" } },
];

export const LOADGEN_INSTANCE: DemoInstance = { service: "loadgen", version: "v1", app: "loadgen.ts" };

export const BOOKINFO_SERVICES = ["loadgen", "productpage", "details", "reviews", "ratings"] as const;

/** The calls the apps really make: what the graph should show and what access policy allows. */
export const BOOKINFO_EDGES: readonly (readonly [string, string])[] = [
  ["loadgen", "productpage"],
  ["productpage", "details"],
  ["productpage", "reviews"],
  ["reviews", "ratings"],
];
