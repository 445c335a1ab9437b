import { outputFormat, outputOption, parseCommandArgs, requireFlag, requirePositionals } from "../args.ts";
import type { Command } from "../command.ts";
import { toJson } from "../output/structured.ts";
import { SilentFailure } from "../errors.ts";

export const checkCommand: Command = {
  name: "check",
  usage: "check --from SVC --to SVC [--method GET] [--path /] [-o json]",
  summary: "would this call be allowed? The decision and the rule that made it, from the code the agents run (exit 1 when denied)",
  role: "viewer",
  async run(argv, { api, print }) {
    const { values, positionals } = parseCommandArgs(argv, {
      from: { type: "string" },
      to: { type: "string" },
      method: { type: "string", default: "GET" },
      path: { type: "string", default: "/" },
      ...outputOption,
    });
    requirePositionals(positionals, []);
    const request = {
      from: requireFlag(values.from, "--from SVC"),
      to: requireFlag(values.to, "--to SVC"),
      method: values.method.toUpperCase(),
      path: values.path,
    };
    const format = outputFormat(values.output, ["table", "json"]);
    const decision = await api().policies.check.query(request);
    if (format === "json") print(toJson(decision));
    else {
      print(`${decision.allowed ? "ALLOWED" : "DENIED"}  ${request.from} → ${request.to} ${request.method} ${request.path}`);
      if (decision.path !== request.path) print(`  path:   ${decision.path === null ? "refused by the agent (400 invalid-path)" : `checked as ${decision.path}, as the agent normalises it`}`);
      print(`  rule:   ${decision.policy ? `AccessPolicy/${decision.policy}` : "MeshConfig/default (defaultAccess)"}`);
      print(`  reason: ${decision.reason}`);
      if (decision.audited.length) print(`  audited by: ${decision.audited.join(", ")}`);
    }
    // Like `kubectl auth can-i`: scripts and CI can gate on the exit code.
    if (!decision.allowed) throw new SilentFailure();
  },
};
