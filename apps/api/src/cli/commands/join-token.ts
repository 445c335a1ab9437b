import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { toJson } from "../output/structured.ts";
import { UsageError } from "../errors.ts";

export const joinTokenCommand: Command = {
  name: "join-token",
  usage: "join-token create [--description TEXT] [--ttl 24h] [-o json]",
  summary: "make a token agents use to join the mesh (shown once)",
  role: "admin",
  async run(argv, { api, print, note }) {
    const { values, positionals } = parseCommandArgs(argv, { description: { type: "string" }, ttl: { type: "string" }, ...outputOption });
    const [action] = requirePositionals(positionals, ["create"]);
    if (action !== "create") throw new UsageError(`unknown action "${action}"; only "create"`);
    const format = outputFormat(values.output, ["table", "json"]);
    const created = await api().tokens.createJoinToken.mutate({ description: values.description, ttl: values.ttl });
    if (format === "json") return print(toJson(created));
    print(created.token);
    note(`join token created${created.expiresAt ? `, valid until ${new Date(created.expiresAt).toISOString()}` : ""}; it is shown only now`);
  },
};
