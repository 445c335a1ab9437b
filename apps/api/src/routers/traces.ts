import { TRPCError } from "@trpc/server";
import { z } from "zod";
import { getTrace, listTraces } from "../telemetry/trace-queries.ts";
import { timeWindowSchema } from "../telemetry/time-window.ts";
import { router, viewerProcedure } from "../trpc.ts";

const traceIdSchema = z.string().regex(/^[0-9a-f]{32}$/, { error: "must be 32 lowercase hex digits" });

export const tracesRouter = router({
  list: viewerProcedure
    .input(
      z
        .object({
          service: z.string().min(1).optional(),
          operation: z.string().min(1).optional(),
          minDurationMs: z.number().min(0).optional(),
          errorsOnly: z.boolean().optional(),
          limit: z.int().min(1).max(1000).default(50),
        })
        .and(timeWindowSchema),
    )
    .query(({ ctx, input }) => listTraces(ctx.deps.prisma, input)),

  get: viewerProcedure.input(z.object({ traceId: traceIdSchema })).query(async ({ ctx, input }) => {
    const trace = await getTrace(ctx.deps.prisma, input.traceId);
    if (!trace) throw new TRPCError({ code: "NOT_FOUND", message: `no spans stored for trace ${input.traceId}` });
    return trace;
  }),
});
