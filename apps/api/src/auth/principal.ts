import { timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../db/client.ts";
import type { AgentCredentialCache } from "./agent-credential-cache.ts";
import { hashToken } from "./tokens.ts";

export type OperatorRole = "viewer" | "editor" | "admin";

export type Principal =
  | { kind: "operator"; role: OperatorRole; name: string }
  | { kind: "agent"; service: string; instanceId: string }
  | { kind: "join" }
  | null;

/** Hashes of the bootstrap tokens given at start (options, env or data dir); they are config, not rows. */
export interface BootstrapTokenHashes {
  admin: string;
  join: string;
}

const LAST_USED_PRECISION_MS = 60_000;

/** Who presents this token, or null when nobody valid does. */
export async function resolvePrincipal(
  prisma: PrismaClient,
  agentCredentials: AgentCredentialCache,
  bootstrap: BootstrapTokenHashes,
  token: string | null,
): Promise<Principal> {
  if (!token) return null;
  const hash = hashToken(token);
  if (sameHash(hash, bootstrap.admin)) return { kind: "operator", role: "admin", name: "admin" };
  if (sameHash(hash, bootstrap.join)) return { kind: "join" };

  if (token.startsWith("mesh_agent_")) {
    const agent = await agentCredentials.resolve(hash, async () => {
      const instance = await prisma.instance.findUnique({ where: { credentialHash: hash }, select: { id: true, serviceName: true, deregisteredAt: true } });
      return instance && !instance.deregisteredAt ? { service: instance.serviceName, instanceId: instance.id } : null;
    });
    return agent ? { kind: "agent", ...agent } : null;
  }
  if (token.startsWith("mesh_join_")) {
    const join = await prisma.joinToken.findUnique({ where: { tokenHash: hash } });
    const expired = join?.expiresAt ? join.expiresAt.getTime() <= Date.now() : false;
    return join && !join.revokedAt && !expired ? { kind: "join" } : null;
  }
  const operator = await prisma.operatorToken.findUnique({ where: { tokenHash: hash } });
  if (!operator || operator.revokedAt) return null;
  if (!operator.lastUsedAt || Date.now() - operator.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await prisma.operatorToken.update({ where: { id: operator.id }, data: { lastUsedAt: new Date() } });
  }
  return { kind: "operator", role: operator.role, name: operator.name };
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** How an operator appears in the audit trail: "name (role)". */
export function actorOf(operator: { name: string; role: OperatorRole }): string {
  return `${operator.name} (${operator.role})`;
}
