import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/client.ts";

export type { PrismaClient };

/** A database that does not answer fails a request after this long instead of hanging it. */
const CONNECT_TIMEOUT_MS = 5_000;

/** `maxConnections` bounds the pool (pg's default is 10). */
export function createPrisma(databaseUrl: string, { maxConnections }: { maxConnections?: number } = {}): PrismaClient {
  return new PrismaClient({
    adapter: new PrismaPg({ connectionString: databaseUrl, connectionTimeoutMillis: CONNECT_TIMEOUT_MS, keepAlive: true, max: maxConnections }),
  });
}
