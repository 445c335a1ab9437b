import { parseCommandArgs, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { parseResourceKind } from "../resource-kind.ts";

export const deleteCommand: Command = {
  name: "delete",
  usage: "delete KIND NAME",
  summary: "delete one resource (a new revision; `mesh rollback` brings it back)",
  role: "editor",
  async run(argv, { api, print }) {
    const { positionals } = parseCommandArgs(argv, {});
    const [kindText, name] = requirePositionals(positionals, ["KIND", "NAME"]);
    const kind = parseResourceKind(kindText!);
    const result = await api().resources.delete.mutate({ kind, name: name! });
    print(`${kind}/${name} deleted (revision ${result.revision})`);
  },
};
