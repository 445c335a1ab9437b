import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { toJson } from "../output/structured.ts";
import { formatTable } from "../output/table.ts";
import { ago } from "../output/time.ts";

export const statusCommand: Command = {
  name: "status",
  usage: "status [-o json]",
  summary: "every agent: service, version, health, agent version, how it was attested, and which config revision it has applied",
  role: "viewer",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, outputOption);
    requirePositionals(positionals, []);
    const format = outputFormat(values.output, ["table", "json"]);
    const status = await api().agents.status.query();
    if (format === "json") return print(toJson(status));
    const behind = status.agents.filter((a) => !a.upToDate).length;
    print(`config revision ${status.revision}; ${status.agents.length} agent${status.agents.length === 1 ? "" : "s"}${behind ? `, ${behind} not yet on it` : ""}`);
    if (status.agents.length === 0) return print("no agents have joined: start one with `pnpm mesh-agent --service NAME --version V --app-port P`");
    print("");
    print(
      formatTable(
        ["service", "version", "instance", "address", "health", "agent", "applied", "heartbeat", "attested by"],
        status.agents.map((a) => [
          a.service,
          a.version,
          a.instanceId.slice(0, 8),
          `${a.address}:${a.inboundPort}`,
          a.health,
          a.agentVersion,
          a.appliedRevision === null ? "none" : `${a.appliedRevision}${a.upToDate ? "" : ` (behind ${status.revision})`}`,
          ago(a.lastHeartbeatAt),
          a.attestation,
        ]),
      ),
    );
  },
};
