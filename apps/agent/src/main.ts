import { pino } from "pino";
import { AgentState } from "./state.ts";
import { FlagError, USAGE, parseAgentFlags } from "./cli/agent-flags.ts";
import { startAgent } from "./start-agent.ts";

const DRAIN_MS = 5000;

function exitWithUsage(message: string): never {
  process.stderr.write(`mesh-agent: ${message}\n${USAGE}\n`);
  process.exit(2);
}

let flags;
try {
  flags = parseAgentFlags(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof FlagError)) throw error;
  exitWithUsage(error.message);
}

const log = pino({ level: process.env.LOG_LEVEL ?? "info", base: { component: "mesh-agent", service: flags.service, version: flags.version } });
const agent = await startAgent({ flags, state: new AgentState(flags.service, flags.version), log }).catch((error: unknown) => {
  if (error instanceof FlagError) exitWithUsage(error.message);
  log.fatal({ err: error }, "agent failed to start");
  process.exit(1);
});

let stopping = false;
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    if (stopping) process.exit(1);
    stopping = true;
    log.info({ signal }, "shutting down: not ready, deregistering, draining in-flight requests");
    agent.stop(DRAIN_MS).then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, "unclean shutdown");
        process.exit(1);
      },
    );
  });
}
