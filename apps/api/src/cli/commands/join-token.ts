import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { toJson } from "../output/structured.ts";
import { UsageError } from "../errors.ts";

export const joinTokenCommand: Command = {
  name: "join-token",
  usage: "join-token create --service NAME|--any-service [--description TEXT] [--ttl 24h] [-o json]",
  summary: "make a token agents of one service use to join the mesh (shown once)",
  role: "admin",
  async run(argv, { api, print, note }) {
    const { values, positionals } = parseCommandArgs(argv, {
      service: { type: "string" },
      "any-service": { type: "boolean" },
      description: { type: "string" },
      ttl: { type: "string" },
      ...outputOption,
    });
    const [action] = requirePositionals(positionals, ["create"]);
    if (action !== "create") throw new UsageError(`unknown action "${action}"; only "create"`);
    const anyService = values["any-service"] === true;
    if (values.service === undefined && !anyService) {
      throw new UsageError("missing --service NAME: a join token registers one service only (--any-service makes one that registers any, trusting its holder with every identity)");
    }
    if (values.service !== undefined && anyService) throw new UsageError("give --service NAME or --any-service, not both");
    const format = outputFormat(values.output, ["table", "json"]);
    const created = await api().tokens.createJoinToken.mutate({
      ...(anyService ? { anyService: true } : { service: values.service }),
      description: values.description,
      ttl: values.ttl,
    });
    if (format === "json") return print(toJson(created));
    print(created.token);
    const scope = created.service ? `for service ${created.service}` : "for any service (its holder can join as every service)";
    note(`join token created ${scope}${created.expiresAt ? `, valid until ${new Date(created.expiresAt).toISOString()}` : ""}; it is shown only now`);
  },
};
