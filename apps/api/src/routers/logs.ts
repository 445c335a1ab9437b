import { z } from "zod";
import { searchLogs } from "../telemetry/log-queries.ts";
import { timeWindowSchema } from "../telemetry/time-window.ts";
import { router, viewerProcedure } from "../trpc.ts";

export const logsRouter = router({
  search: viewerProcedure
    .input(
      z
        .object({
          service: z.string().min(1).optional(),
          direction: z.enum(["outbound", "inbound"]).optional(),
          status: z.union([z.int().min(0).max(999), z.enum(["1xx", "2xx", "3xx", "4xx", "5xx"])]).optional(),
          traceId: z.string().regex(/^[0-9a-f]{32}$/, { error: "must be 32 lowercase hex digits" }).optional(),
          limit: z.int().min(1).max(1000).default(100),
        })
        .and(timeWindowSchema),
    )
    .query(({ ctx, input }) => searchLogs(ctx.deps.prisma, input)),
});
