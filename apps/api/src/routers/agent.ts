import { TRPCError } from "@trpc/server";
import { certificateInputSchema, heartbeatInputSchema, registerInputSchema, type AgentSnapshot, type CertificateOutput, type RegisterOutput } from "@mesh/shared";
import { addressRefusal } from "../auth/address-proof.ts";
import { joinRefusal } from "../auth/join-attestation.ts";
import { CertificateRequestError } from "../ca/index.ts";
import { deregisterInstance, HEARTBEAT_INTERVAL_MS, InstanceDeregisteredError, recordHeartbeat, registerInstance } from "../config-push/index.ts";
import { agentProcedure, joinProcedure, router } from "../trpc.ts";

/** What agents call. Every procedure after `register` acts for the service bound to the agent's credential, never an input. */
export const agentRouter = router({
  /** A join token registers only the service it is scoped to, and only at the address the agent connects from. */
  register: joinProcedure.input(registerInputSchema).mutation(async ({ ctx, input }): Promise<RegisterOutput> => {
    const refusal = joinRefusal(ctx.join, input.service);
    if (refusal) throw new TRPCError({ code: "FORBIDDEN", message: refusal });
    const addressProblem = addressRefusal(input.address, ctx.remoteAddress);
    if (addressProblem) throw new TRPCError({ code: "FORBIDDEN", message: addressProblem });
    const { instanceId, credential } = await registerInstance(ctx.deps.prisma, input, ctx.join.attestation);
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
    ctx.deps.agentCredentials.forgetInstance(ctx.agent.instanceId);
    return { ok: true as const };
  }),

  /** Server-sent events: the current snapshot for the credential's service, then every changed one. */
  config: agentProcedure.subscription(async function* ({ ctx, signal }): AsyncGenerator<AgentSnapshot> {
    try {
      // The credential was checked when the stream opened; the hub ends the stream if the instance is deregistered later.
      yield* ctx.deps.configHub.subscribe(ctx.agent, signal);
    } catch (error) {
      if (error instanceof InstanceDeregisteredError) throw new TRPCError({ code: "UNAUTHORIZED", message: error.message, cause: error });
      throw error;
    }
  }),
});
