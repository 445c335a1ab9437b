import type { Resource } from "@mesh/shared";
import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { resourceTable } from "../output/resource-table.ts";
import { toJson, toYamlDocuments } from "../output/structured.ts";
import { parseResourceKind } from "../resource-kind.ts";
import { CliError } from "../errors.ts";

export const getCommand: Command = {
  name: "get",
  usage: "get KIND [NAME] [-o yaml|json]",
  summary: "list resources of a kind (MeshConfig, TrafficPolicy, AccessPolicy), or show one",
  role: "viewer",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, outputOption);
    const [kindText, name] = requirePositionals(positionals, ["KIND"], ["NAME"]);
    const kind = parseResourceKind(kindText!);
    const format = outputFormat(values.output);
    const resources: Resource[] = await api().resources.get.query({ kind, name });
    if (name !== undefined && resources.length === 0) throw new CliError(`${kind}/${name} not found`);
    if (format === "json") return print(toJson(name === undefined ? resources : resources[0]));
    if (format === "yaml") return print(toYamlDocuments(resources));
    print(resources.length === 0 ? `no ${kind} resources` : resourceTable(kind, resources));
  },
};
