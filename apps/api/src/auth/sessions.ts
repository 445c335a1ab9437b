import type { PrismaClient } from "../db/client.ts";
import { generateToken, hashToken } from "./tokens.ts";

/** A dashboard sign-in lasts this long at most (the cookie's Max-Age is the same). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
export const SESSION_PREFIX = "mesh_session_";

/** A new session for the operator token with hash `operatorTokenHash`; the secret is returned once, the database keeps its hash. */
export async function createSession(prisma: PrismaClient, operatorTokenHash: string, now = new Date()): Promise<{ id: string; secret: string; expiresAt: Date }> {
  const secret = generateToken("session");
  const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
  // Sessions that ended are kept a day (so a revoked cookie is told apart from garbage in logs), then dropped here.
  const dayAgo = new Date(now.getTime() - 24 * 60 * 60 * 1000);
  await prisma.operatorSession.deleteMany({ where: { OR: [{ expiresAt: { lt: dayAgo } }, { revokedAt: { lt: dayAgo } }] } });
  const row = await prisma.operatorSession.create({ data: { secretHash: hashToken(secret), operatorTokenHash, createdAt: now, expiresAt } });
  return { id: row.id, secret, expiresAt };
}

/** The live session with this secret hash: its id and the hash of the token it was made from; null if unknown, revoked or expired. */
export async function findLiveSession(prisma: PrismaClient, secretHash: string): Promise<{ id: string; operatorTokenHash: string } | null> {
  const row = await prisma.operatorSession.findUnique({ where: { secretHash } });
  if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return null;
  return { id: row.id, operatorTokenHash: row.operatorTokenHash };
}

/** Ends a session on the server: its cookie, wherever copied, stops working at once. */
export async function revokeSession(prisma: PrismaClient, id: string): Promise<boolean> {
  const result = await prisma.operatorSession.updateMany({ where: { id, revokedAt: null }, data: { revokedAt: new Date() } });
  return result.count > 0;
}
