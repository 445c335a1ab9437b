import { timingSafeEqual } from "node:crypto";
import type { PrismaClient } from "../db/client.ts";
import type { AgentCredentialCache } from "./agent-credential-cache.ts";
import { BOOTSTRAP_JOIN, joinGrantOf, type JoinGrant } from "./join-attestation.ts";
import { looksLikeServiceAccountToken, reviewServiceAccountToken, type ServiceAccountAttestation } from "./service-account.ts";
import { findLiveSession, SESSION_PREFIX } from "./sessions.ts";
import { hashToken } from "./tokens.ts";

export type OperatorRole = "viewer" | "editor" | "admin";

/** What an operator presented: a token (its hash, to make a session from) or a dashboard session (its id, to end it). */
export type OperatorCredential = { kind: "token"; hash: string } | { kind: "session"; id: string };

export type Principal =
  | { kind: "operator"; role: OperatorRole; name: string; credential: OperatorCredential }
  | { kind: "agent"; service: string; instanceId: string }
  | ({ kind: "join" } & JoinGrant)
  | null;

/** Hashes of the bootstrap tokens given at start (options, env or data dir); they are config, not rows. */
export interface BootstrapTokenHashes {
  admin: string;
  join: string;
}

const LAST_USED_PRECISION_MS = 60_000;

/** Who presents this token, or null when nobody valid does. `serviceAccounts`: Kubernetes attestation, when on. */
export async function resolvePrincipal(
  prisma: PrismaClient,
  agentCredentials: AgentCredentialCache,
  bootstrap: BootstrapTokenHashes,
  token: string | null,
  serviceAccounts: ServiceAccountAttestation | null = null,
): Promise<Principal> {
  if (!token) return null;
  const hash = hashToken(token);
  if (sameHash(hash, bootstrap.admin)) return { kind: "operator", role: "admin", name: "admin", credential: { kind: "token", hash } };
  if (sameHash(hash, bootstrap.join)) return { kind: "join", ...BOOTSTRAP_JOIN };

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
    return join && !join.revokedAt && !expired ? { kind: "join", ...joinGrantOf(join) } : null;
  }
  if (serviceAccounts && looksLikeServiceAccountToken(token)) {
    const grant = await reviewServiceAccountToken(serviceAccounts, token);
    return grant ? { kind: "join", ...grant } : null;
  }
  if (token.startsWith(SESSION_PREFIX)) {
    // A session is as good as the token it was made from, for as long as both are live.
    const session = await findLiveSession(prisma, hash);
    const operator = session ? await operatorByTokenHash(prisma, bootstrap, session.operatorTokenHash) : null;
    return operator && session ? { kind: "operator", ...operator, credential: { kind: "session", id: session.id } } : null;
  }
  const operator = await operatorByTokenHash(prisma, bootstrap, hash);
  return operator ? { kind: "operator", ...operator, credential: { kind: "token", hash } } : null;
}

/** The operator a live operator token (by hash) belongs to: the bootstrap admin or a row. */
async function operatorByTokenHash(prisma: PrismaClient, bootstrap: BootstrapTokenHashes, hash: string): Promise<{ role: OperatorRole; name: string } | null> {
  if (sameHash(hash, bootstrap.admin)) return { role: "admin", name: "admin" };
  const operator = await prisma.operatorToken.findUnique({ where: { tokenHash: hash } });
  if (!operator || operator.revokedAt) return null;
  if (!operator.lastUsedAt || Date.now() - operator.lastUsedAt.getTime() > LAST_USED_PRECISION_MS) {
    await prisma.operatorToken.update({ where: { id: operator.id }, data: { lastUsedAt: new Date() } });
  }
  return { role: operator.role, name: operator.name };
}

function sameHash(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

/** How an operator appears in the audit trail: "name (role)". */
export function actorOf(operator: { name: string; role: OperatorRole }): string {
  return `${operator.name} (${operator.role})`;
}
