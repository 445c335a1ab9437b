import { TRPCError } from "@trpc/server";
import { telemetryReportSchema } from "@mesh/shared";
import { storeReport } from "../telemetry/report-store.ts";
import { agentProcedure, router } from "../trpc.ts";

export const telemetryRouter = router({
  /**
   * An agent's metric rollups and access logs since its last report. An agent reports only its own
   * side of each request: what it sent (outbound, source = its service) or received (inbound,
   * destination = its service). Rollups and logs are written in one transaction, so a retried report
   * never half-counts; what is already past the retention is refused and counted in partialSuccess.
   */
  report: agentProcedure.input(telemetryReportSchema).mutation(async ({ ctx, input }) => {
    const service = ctx.agent.service;
    const items = [
      ...input.rollups.map((r, i) => ({ where: `rollups[${i}]`, ...r })),
      ...input.accessLogs.map((l, i) => ({ where: `accessLogs[${i}]`, ...l })),
    ];
    const foreign = items.find((item) => (item.direction === "outbound" ? item.source : item.destination) !== service);
    if (foreign) {
      const side = foreign.direction === "outbound" ? `source ${foreign.source}` : `destination ${foreign.destination}`;
      throw new TRPCError({ code: "FORBIDDEN", message: `${foreign.where}: an agent of ${service} may not report ${foreign.direction} requests with ${side}` });
    }
    const stored = await storeReport(ctx.deps.prisma, input);
    const { spans, rollups, accessLogs } = input.dropped;
    if (spans + rollups + accessLogs > 0) ctx.deps.log.warn({ service, instanceId: ctx.agent.instanceId, dropped: input.dropped }, "agent dropped telemetry");
    // Agents do not read the answer; the likely cause (a clock far behind) belongs in the operator's log.
    if (stored.partialSuccess) ctx.deps.log.warn({ service, instanceId: ctx.agent.instanceId, ...stored.partialSuccess }, "agent reported telemetry past the retention");
    return stored;
  }),
});
