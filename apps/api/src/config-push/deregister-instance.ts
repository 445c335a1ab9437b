import { notifyMeshChange } from "./mesh-changes.ts";
import { forgetHeartbeats } from "./record-heartbeat.ts";
import type { PrismaClient } from "../db/client.ts";

/** Takes the instance out of every agent's endpoints at once; its credential stops working. */
export async function deregisterInstance(prisma: PrismaClient, service: string, instanceId: string): Promise<void> {
  await prisma.$transaction(async (tx) => {
    await tx.instance.updateMany({ where: { id: instanceId, serviceName: service, deregisteredAt: null }, data: { deregisteredAt: new Date() } });
    await notifyMeshChange(tx, { type: "instances", service });
  });
  forgetHeartbeats(prisma, service, instanceId);
}
