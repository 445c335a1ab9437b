import { stringify } from "yaml";
import { diffLines } from "@mesh/shared";

/** Canonical YAML (sorted keys), so a diff shows what changed rather than how keys were ordered. */
export function toYaml(value: unknown): string {
  return value == null ? "" : stringify(value, { lineWidth: 0, sortMapEntries: true });
}

/** A unified diff of two resource states (null = absent), rendered as YAML. */
export function YamlDiff({ before, after, label }: { before: unknown; after: unknown; label?: string }) {
  const lines = diffLines(toYaml(before), toYaml(after));
  return (
    <pre className="diff" aria-label={label ?? "YAML diff"} data-testid="yaml-diff">
      {lines.map((line, index) => (
        <div key={index} className={line.kind === "same" ? undefined : line.kind}>
          {line.kind === "add" ? "+ " : line.kind === "del" ? "- " : "  "}
          {line.text}
        </div>
      ))}
    </pre>
  );
}
