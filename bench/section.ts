/** One measured figure, with the target it is held to (when there is one). */
export interface Figure {
  metric: string;
  value: string;
  target?: string;
  /** Whether the value meets its target; absent when there is no target or nothing could be measured. */
  met?: boolean;
}

/** What each benchmark module returns: its figures and, for docs/BENCHMARKS.md, how they were measured. */
export interface BenchSection {
  title: string;
  /** Markdown lines describing the method. */
  method: string[];
  figures: Figure[];
  /** Markdown lines worth knowing when reading the figures (e.g. what limited them). */
  notes?: string[];
}

/** A section whose benchmark could not run: the table still says so, with the reason. */
export function failedSection(title: string, error: unknown): BenchSection {
  const reason = error instanceof Error ? error.message : String(error);
  return { title, method: [], figures: [{ metric: "(not measured)", value: `failed: ${reason.split("\n")[0]}` }], notes: [`Failed: ${reason}`] };
}

export function formatNumber(value: number, fractionDigits = 0): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toLocaleString("en-US", { minimumFractionDigits: fractionDigits, maximumFractionDigits: fractionDigits });
}

export function formatMs(value: number): string {
  if (value === Number.POSITIVE_INFINITY) return "never (timed out)";
  if (!Number.isFinite(value)) return "n/a";
  return `${value < 10 ? value.toFixed(2) : value < 100 ? value.toFixed(1) : value.toFixed(0)} ms`;
}
