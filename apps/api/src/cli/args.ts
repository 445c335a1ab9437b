import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "./errors.ts";

/** node:util parseArgs in strict mode, turning its errors into a UsageError. */
export function parseCommandArgs<const O extends ParseArgsOptionsConfig>(argv: string[], options: O) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

export const OUTPUT_FORMATS = ["table", "json", "yaml"] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const outputOption = { output: { type: "string", short: "o" } } as const;

export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  if (value === undefined) return "table";
  if ((allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UsageError(`-o must be one of ${allowed.filter((f) => f !== "table").join(", ")} (got "${value}")`);
}

export function requirePositionals(positionals: string[], names: string[], optional: string[] = []): string[] {
  if (positionals.length < names.length) throw new UsageError(`missing ${names.slice(positionals.length).join(" and ")}`);
  if (positionals.length > names.length + optional.length) {
    throw new UsageError(`unexpected argument "${positionals[names.length + optional.length]}"`);
  }
  return positionals;
}

export function requireFlag(value: string | undefined, flag: string): string {
  if (value === undefined || value === "") throw new UsageError(`missing ${flag}`);
  return value;
}
