import { router } from "./trpc.ts";
import { agentRouter } from "./routers/agent.ts";
import { agentsRouter } from "./routers/agents.ts";
import { authRouter } from "./routers/auth.ts";
import { certificatesRouter } from "./routers/certificates.ts";
import { policiesRouter } from "./routers/policies.ts";
import { resourcesRouter } from "./routers/resources.ts";
import { revisionsRouter } from "./routers/revisions.ts";
import { servicesRouter } from "./routers/services.ts";
import { tokensRouter } from "./routers/tokens.ts";
import { tracesRouter } from "./routers/traces.ts";
import { metricsRouter } from "./routers/metrics.ts";
import { logsRouter } from "./routers/logs.ts";
import { telemetryRouter } from "./routers/telemetry.ts";

export const appRouter = router({
  auth: authRouter,
  resources: resourcesRouter,
  revisions: revisionsRouter,
  tokens: tokensRouter,
  policies: policiesRouter,
  agent: agentRouter,
  services: servicesRouter,
  agents: agentsRouter,
  certificates: certificatesRouter,
  traces: tracesRouter,
  metrics: metricsRouter,
  logs: logsRouter,
  telemetry: telemetryRouter,
});

export type AppRouter = typeof appRouter;
