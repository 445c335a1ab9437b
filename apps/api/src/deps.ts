import type { Logger } from "pino";
import type { AgentCredentialCache } from "./auth/agent-credential-cache.ts";
import type { CertificateAuthority } from "./ca/index.ts";
import type { ConfigHub } from "./config-push/index.ts";
import type { PrismaClient } from "./db/client.ts";

/** Everything a procedure or HTTP route may use; built once per control plane in server.ts. */
export interface ControlPlaneDeps {
  prisma: PrismaClient;
  databaseUrl: string;
  dataDir: string;
  trustDomain: string;
  authority: CertificateAuthority;
  configHub: ConfigHub;
  log: Logger;
  /** Shared by authentication and `agent.deregister`, which must forget a credential it revokes. */
  agentCredentials: AgentCredentialCache;
}
