import { TRPCError } from "@trpc/server";
import { certificateInputSchema, heartbeatInputSchema, registerInputSchema, type AgentSnapshot, type CertificateOutput, type RegisterOutput } from "@mesh/shared";
import { CertificateRequestError } from "../ca/index.ts";
import type { PrismaClient } from "../db/client.ts";
import { deregisterInstance, HEARTBEAT_INTERVAL_MS, recordHeartbeat, registerInstance } from "../config-push/index.ts";
import { agentProcedure, joinProcedure, router } from "../trpc.ts";

async function stillRegistered(prisma: PrismaClient, instanceId: string): Promise<boolean> {
  const instance = await prisma.instance.findUnique({ where: { id: instanceId }, select: { deregisteredAt: true } });
  return instance !== null && instance.deregisteredAt === null;
}

/** What agents call. Every procedure after `register` acts for the service bound to the agent's credential, never an input. */
export const agentRouter = router({
  register: joinProcedure.input(registerInputSchema).mutation(async ({ ctx, input }): Promise<RegisterOutput> => {
    const { instanceId, credential } = await registerInstance(ctx.deps.prisma, input);
    return { instanceId, credential, trustDomain: ctx.deps.trustDomain, heartbeatIntervalMs: HEARTBEAT_INTERVAL_MS };
  }),

  certificate: agentProcedure.input(certificateInputSchema).mutation(async ({ ctx, input }): Promise<CertificateOutput> => {
    try {
      return await ctx.deps.authority.signAgentCsr({ csrPem: input.csrPem, service: ctx.agent.service, instanceId: ctx.agent.instanceId });
    } catch (error) {
      if (error instanceof CertificateRequestError) throw new TRPCError({ code: error.code, message: error.message });
      throw error;
    }
  }),

  heartbeat: agentProcedure.input(heartbeatInputSchema).mutation(async ({ ctx, input }) => {
    if (input.instanceId !== ctx.agent.instanceId) {
      throw new TRPCError({ code: "FORBIDDEN", message: `this credential belongs to instance ${ctx.agent.instanceId}, not ${input.instanceId}` });
    }
    if (!(await recordHeartbeat(ctx.deps.prisma, ctx.agent.service, input))) {
      throw new TRPCError({ code: "NOT_FOUND", message: `instance ${input.instanceId} is no longer registered; register again` });
    }
    return { ok: true as const };
  }),

  deregister: agentProcedure.mutation(async ({ ctx }) => {
    await deregisterInstance(ctx.deps.prisma, ctx.agent.service, ctx.agent.instanceId);
    return { ok: true as const };
  }),

  /** Server-sent events: the current snapshot for the credential's service, then every changed one. */
  config: agentProcedure.subscription(async function* ({ ctx, signal }): AsyncGenerator<AgentSnapshot> {
    for await (const snapshot of ctx.deps.configHub.subscribe(ctx.agent.service, signal)) {
      // The credential was checked when the stream opened; a stream must not outlive its agent's deregistration.
      if (!(await stillRegistered(ctx.deps.prisma, ctx.agent.instanceId))) {
        throw new TRPCError({ code: "UNAUTHORIZED", message: `instance ${ctx.agent.instanceId} was deregistered; register again` });
      }
      yield snapshot;
    }
  }),
});
