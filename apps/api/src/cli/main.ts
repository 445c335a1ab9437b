#!/usr/bin/env -S npx tsx
import { createApiClient, type ApiClient } from "./api-client.ts";
import type { CliContext, Command } from "./command.ts";
import { COMMANDS } from "./commands/index.ts";
import { describeFailure } from "./failure.ts";
import { SilentFailure, UsageError } from "./errors.ts";

const DEFAULT_API_URL = "http://127.0.0.1:4000";

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === undefined || verb === "help" || verb === "--help" || verb === "-h") {
    process.stdout.write(`${helpText()}\n`);
    return verb === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === verb);
  if (!command) {
    process.stderr.write(`mesh: unknown command "${verb}"; run \`mesh help\` for the list\n`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    process.stdout.write(`usage: mesh ${command.usage}\n${command.summary}\n`);
    return 0;
  }
  const context = createContext();
  try {
    await command.run(rest, context);
    return 0;
  } catch (error) {
    if (error instanceof SilentFailure) return 1;
    if (error instanceof UsageError) {
      process.stderr.write(`mesh ${verb}: ${error.message}\nusage: mesh ${command.usage}\n`);
      return 2;
    }
    const message = describeFailure(error, { apiUrl: context.apiUrl, token: context.token, verb: command.name, role: command.role });
    process.stderr.write(`mesh ${verb}: ${message}\n`);
    return 1;
  }
}

function createContext(): CliContext {
  const apiUrl = process.env.MESH_API_URL || DEFAULT_API_URL;
  const token = process.env.MESH_TOKEN || undefined;
  let client: ApiClient | undefined;
  return {
    apiUrl,
    token,
    api: () => (client ??= createApiClient(apiUrl, token)),
    print: (text) => process.stdout.write(`${text}\n`),
    note: (text) => process.stderr.write(`${text}\n`),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
  };
}

function helpText(): string {
  const width = Math.max(...COMMANDS.map((c) => c.usage.length));
  const lines = COMMANDS.map((c: Command) => `  ${c.usage.padEnd(width)}   ${c.summary}`);
  return [
    "usage: mesh <command> [flags]",
    "",
    ...lines,
    "",
    `Talks to MESH_API_URL (default ${DEFAULT_API_URL}) with the operator token in MESH_TOKEN.`,
    "Most commands take -o json for scripts.",
  ].join("\n");
}

process.exitCode = await main(process.argv.slice(2));
