import { stringify } from "yaml";

export function toJson(value: unknown): string {
  return JSON.stringify(value, null, 2);
}

/**
 * Keys in alphabetical order (apiVersion, kind, metadata, spec; version before weight), whatever
 * order the database returned them in, so output is stable and diffs compare like with like.
 */
export function toYaml(value: unknown): string {
  return stringify(value, { lineWidth: 0, sortMapEntries: true }).trimEnd();
}

/** Several resources as one multi-document YAML text, so `mesh get … -o yaml | mesh apply -f -` round-trips. */
export function toYamlDocuments(values: unknown[]): string {
  return values.map(toYaml).join("\n---\n");
}
