import { outputFormat, outputOption, parseCommandArgs, requirePositionals } from "../args.ts";
import type { CliContext, Command } from "../command.ts";
import { UsageError } from "../errors.ts";
import { toJson } from "../output/structured.ts";
import { formatTable } from "../output/table.ts";
import { ago } from "../output/time.ts";
import { traceWaterfall } from "../output/trace-waterfall.ts";

export const tracesCommand: Command = {
  name: "traces",
  usage: "traces list [--service S] [--errors] [--min-duration MS] [--limit N] | traces get TRACE_ID [-o json]",
  summary: "recent traces (newest first), or one trace as a waterfall of its spans",
  role: "viewer",
  async run(argv, context) {
    const { values, positionals } = parseCommandArgs(argv, {
      service: { type: "string" },
      errors: { type: "boolean", default: false },
      "min-duration": { type: "string" },
      limit: { type: "string", default: "20" },
      ...outputOption,
    });
    const [action, traceId] = requirePositionals(positionals, ["list|get"], ["TRACE_ID"]);
    const format = outputFormat(values.output, ["table", "json"]);
    if (action === "get") return showTrace(context, traceId, format === "json");
    if (action !== "list") throw new UsageError(`unknown action "${action}"; use list or get`);
    if (traceId !== undefined) throw new UsageError(`unexpected argument "${traceId}"`);
    const traces = await context.api().traces.list.query({
      service: values.service,
      errorsOnly: values.errors || undefined,
      minDurationMs: values["min-duration"] === undefined ? undefined : positiveNumber(values["min-duration"], "--min-duration"),
      limit: positiveNumber(values.limit, "--limit"),
    });
    if (format === "json") return context.print(toJson(traces));
    if (traces.length === 0) return context.print("no traces in the last 15 minutes");
    context.print(
      formatTable(
        ["trace id", "started", "root", "duration", "spans", "result"],
        traces.map((t) => [t.traceId, ago(new Date(t.startTime)), `${t.rootService}: ${t.rootOperation}`, `${t.durationMs.toFixed(1)} ms`, t.spanCount, t.error ? "error" : "ok"]),
      ),
    );
  },
};

async function showTrace({ api, print }: CliContext, traceId: string | undefined, json: boolean): Promise<void> {
  if (traceId === undefined) throw new UsageError("missing TRACE_ID (see `mesh traces list`)");
  const trace = await api().traces.get.query({ traceId });
  if (json) return print(toJson(trace));
  print(`trace ${trace.traceId}: ${trace.spanCount} spans, ${trace.durationMs.toFixed(1)} ms, started ${new Date(trace.startTime).toISOString()}`);
  print(traceWaterfall(trace));
}

function positiveNumber(text: string, flag: string): number {
  const value = Number(text);
  if (!Number.isFinite(value) || value < 0) throw new UsageError(`${flag} must be a number (got "${text}")`);
  return value;
}
