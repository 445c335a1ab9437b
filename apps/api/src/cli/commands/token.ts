import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command, Role } from "../command.ts";
import { toJson } from "../output/structured.ts";
import { UsageError } from "../errors.ts";

const ROLES: readonly Role[] = ["viewer", "editor", "admin"];

export const tokenCommand: Command = {
  name: "token",
  usage: "token create --role admin|editor|viewer [--name NAME] [-o json]",
  summary: "make an operator token (shown once; only its hash is kept)",
  role: "admin",
  async run(argv, { api, print, note }) {
    const { values, positionals } = parseCommandArgs(argv, { role: { type: "string" }, name: { type: "string" }, ...outputOption });
    const [action] = requirePositionals(positionals, ["create"]);
    if (action !== "create") throw new UsageError(`unknown action "${action}"; only "create"`);
    const role = values.role as Role | undefined;
    if (!role || !ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(", ")}${values.role ? ` (got "${values.role}")` : ""}`);
    const format = outputFormat(values.output, ["table", "json"]);
    const created = await api().tokens.create.mutate({ role, name: values.name ?? `${role}-${new Date().toISOString().slice(0, 10)}` });
    if (format === "json") return print(toJson(created));
    print(created.token);
    note(`${role} token "${created.name}" created; it is shown only now`);
  },
};
