import { ROLLUP_INTERVAL_MS } from "@mesh/shared";
import { z } from "zod";
import { redMetrics, serviceGraph, type RedTarget } from "../telemetry/metric-queries.ts";
import { observedCalls } from "../telemetry/observed-calls.ts";
import { timeWindowSchema } from "../telemetry/time-window.ts";
import { router, viewerProcedure } from "../trpc.ts";

const TARGET_POINTS = 60;
const MAX_POINTS = 2000;

const redInputSchema = z
  .object({
    service: z.string().min(1).optional(),
    /** Narrows a service to one version. */
    version: z.string().min(1).optional(),
    edge: z.object({ source: z.string().min(1), destination: z.string().min(1) }).optional(),
    /** Seconds per point, a multiple of 10; by default about 60 points over the window. */
    step: z
      .int()
      .min(ROLLUP_INTERVAL_MS / 1000)
      .refine((s) => s % (ROLLUP_INTERVAL_MS / 1000) === 0, { error: `must be a multiple of ${ROLLUP_INTERVAL_MS / 1000}` })
      .optional(),
  })
  .refine((i) => (i.service === undefined) !== (i.edge === undefined), { error: "give either service (with an optional version) or edge" })
  .refine((i) => i.version === undefined || i.service !== undefined, { error: "version needs service", path: ["version"] })
  .and(timeWindowSchema)
  .transform((i) => {
    const stepMs = i.step ? i.step * 1000 : Math.max(ROLLUP_INTERVAL_MS, Math.ceil((i.to - i.from) / TARGET_POINTS / ROLLUP_INTERVAL_MS) * ROLLUP_INTERVAL_MS);
    const target: RedTarget = i.edge ? { edge: i.edge } : { service: i.service!, ...(i.version ? { version: i.version } : {}) };
    return { target, from: i.from, to: i.to, stepMs };
  })
  .refine((i) => (i.to - i.from) / i.stepMs <= MAX_POINTS, { error: `at most ${MAX_POINTS} points: widen step or narrow the window`, path: ["step"] });

export const metricsRouter = router({
  /** Rate, errors and duration over time for a service, a version of it, or an edge. */
  red: viewerProcedure.input(redInputSchema).query(({ ctx, input }) => redMetrics(ctx.deps.prisma, input.target, input.from, input.to, input.stepMs)),

  /** Services and the calls between them, with req/s, error % and latency over the window. */
  graph: viewerProcedure.input(timeWindowSchema).query(({ ctx, input }) => serviceGraph(ctx.deps.prisma, input.from, input.to)),

  /** The methods and paths callers used (optionally on one edge), most-seen first: what the policy checks should ask about. */
  observedCalls: viewerProcedure
    .input(z.object({ edge: z.object({ source: z.string().min(1), destination: z.string().min(1) }).optional() }).and(timeWindowSchema))
    .query(({ ctx, input }) => observedCalls(ctx.deps.prisma, input.from, input.to, input.edge)),
});
