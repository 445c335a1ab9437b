import { createHash } from "node:crypto";
import { serviceNameSchema } from "@mesh/shared";
import { z } from "zod";
import { router, viewerProcedure } from "../trpc.ts";

export const certificatesRouter = router({
  /** The mesh's root CA certificate (public) and where this replica keeps its key. */
  ca: viewerProcedure.query(({ ctx }) => {
    const { authority } = ctx.deps;
    return {
      trustDomain: authority.trustDomain,
      certificatePem: authority.caPem,
      notBefore: authority.notBefore.toISOString(),
      notAfter: authority.notAfter.toISOString(),
      fingerprintSha256: pemFingerprint(authority.caPem),
      keySource: authority.keySource,
    };
  }),

  /** Certificates issued to agents, newest first. */
  list: viewerProcedure
    .input(z.strictObject({ service: serviceNameSchema.optional(), limit: z.int().min(1).max(1000).default(100) }).default({ limit: 100 }))
    .query(async ({ ctx, input }) => {
      const now = Date.now();
      const issued = await ctx.deps.prisma.issuedCertificate.findMany({
        where: input.service ? { service: input.service } : {},
        orderBy: { issuedAt: "desc" },
        take: input.limit,
      });
      return issued.map((certificate) => ({
        serial: certificate.serial,
        identity: certificate.identity,
        service: certificate.service,
        instanceId: certificate.instanceId,
        notBefore: certificate.notBefore.toISOString(),
        notAfter: certificate.notAfter.toISOString(),
        issuedAt: certificate.issuedAt.toISOString(),
        expired: certificate.notAfter.getTime() <= now,
      }));
    }),
});

/** SHA-256 of the DER bytes, as `AB:CD:…` like openssl prints it. */
function pemFingerprint(pem: string): string {
  const der = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  return createHash("sha256").update(der).digest("hex").toUpperCase().match(/../g)!.join(":");
}
