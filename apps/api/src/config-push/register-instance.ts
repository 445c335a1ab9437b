import type { RegisterInput } from "@mesh/shared";
import { generateToken, hashToken } from "../auth/tokens.ts";
import { notifyMeshChange } from "./mesh-changes.ts";
import type { PrismaClient } from "../db/client.ts";

/**
 * A new instance of `input.service` (creating the service on first sight) and the credential bound to it.
 * `attestation` records how the agent proved its right to join (shown by `mesh status`); the caller has checked it.
 */
export async function registerInstance(prisma: PrismaClient, input: RegisterInput, attestation: string): Promise<{ instanceId: string; credential: string }> {
  const credential = generateToken("agent");
  // Set here rather than by column defaults: timestamps are UTC whatever the database's time zone.
  const now = new Date();
  const instance = await prisma.$transaction(async (tx) => {
    await tx.service.createMany({ data: [{ name: input.service }], skipDuplicates: true });
    const created = await tx.instance.create({
      data: {
        serviceName: input.service,
        version: input.version,
        address: input.address,
        inboundPort: input.inboundPort,
        adminPort: input.adminPort ?? null,
        agentVersion: input.agentVersion ?? null,
        credentialHash: hashToken(credential),
        attestation,
        registeredAt: now,
        lastHeartbeatAt: now,
      },
      select: { id: true },
    });
    await notifyMeshChange(tx, { type: "instances", service: input.service });
    return created;
  });
  return { instanceId: instance.id, credential };
}
