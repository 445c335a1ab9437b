import { checkAccess, DEFAULT_MESH_CONFIG, meshConfigSpecSchema, serviceNameSchema, type AccessPolicySpec } from "@mesh/shared";
import { z } from "zod";
import { router, viewerProcedure } from "../trpc.ts";

export const policiesRouter = router({
  /** Would `from` be allowed to call `to` with this method and path? The same decision the destination's agent makes. */
  check: viewerProcedure
    .input(z.strictObject({ from: serviceNameSchema.nullable(), to: serviceNameSchema, method: z.string().min(1).max(16), path: z.string().min(1).max(2048) }))
    .query(async ({ ctx, input }) => {
      const { prisma } = ctx.deps;
      const [policies, meshConfig] = await Promise.all([
        prisma.accessPolicy.findMany({ where: { target: input.to }, select: { name: true, spec: true } }),
        prisma.meshConfig.findUnique({ where: { name: "default" } }),
      ]);
      const defaultAccess = (meshConfig ? meshConfigSpecSchema.parse(meshConfig.spec) : DEFAULT_MESH_CONFIG).defaultAccess;
      return checkAccess(
        policies.map((p) => ({ name: p.name, spec: p.spec as AccessPolicySpec })),
        defaultAccess,
        { source: input.from, target: input.to, method: input.method.toUpperCase(), path: input.path },
      );
    }),
});
