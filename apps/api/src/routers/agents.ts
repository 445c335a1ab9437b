import { LIVE_INSTANCE_WHERE } from "../config-push/liveness.ts";
import { router, viewerProcedure } from "../trpc.ts";

export const agentsRouter = router({
  /** Every live agent and whether it runs the latest config revision. */
  status: viewerProcedure.query(async ({ ctx }) => {
    const [latest, instances] = await Promise.all([
      ctx.deps.prisma.revision.findFirst({ orderBy: { id: "desc" }, select: { id: true } }),
      ctx.deps.prisma.instance.findMany({
        where: LIVE_INSTANCE_WHERE,
        orderBy: [{ serviceName: "asc" }, { version: "asc" }, { registeredAt: "asc" }],
      }),
    ]);
    const revision = latest?.id ?? 0;
    return {
      revision,
      agents: instances.map((instance) => ({
        instanceId: instance.id,
        service: instance.serviceName,
        version: instance.version,
        address: instance.address,
        inboundPort: instance.inboundPort,
        adminPort: instance.adminPort,
        agentVersion: instance.agentVersion,
        /** How the agent proved its right to join, e.g. "join-token:scoped reviews" or "join-token:bootstrap". */
        attestation: instance.attestation ?? "unrecorded",
        health: instance.health,
        appliedRevision: instance.appliedRevision,
        upToDate: instance.appliedRevision === revision,
        registeredAt: instance.registeredAt.toISOString(),
        lastHeartbeatAt: instance.lastHeartbeatAt.toISOString(),
      })),
    };
  }),
});
