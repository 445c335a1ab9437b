"use client";
import { CartesianGrid, ResponsiveContainer, Scatter, ScatterChart, Tooltip, XAxis, YAxis } from "recharts";
import { formatMs, formatTime } from "../../format/figures.ts";
import type { TraceSummary } from "../../types/api.ts";

/** Each trace as a dot: when it started against how long it took; errors in red. Click opens it. */
export function DurationScatter({ traces, onOpen }: { traces: TraceSummary[]; onOpen: (traceId: string) => void }) {
  const ok = traces.filter((t) => !t.error);
  const failed = traces.filter((t) => t.error);
  const open = (point: unknown) => {
    const traceId = (point as { payload?: TraceSummary } | null)?.payload?.traceId;
    if (traceId) onOpen(traceId);
  };
  return (
    <div style={{ height: 180 }} data-testid="duration-scatter">
      <ResponsiveContainer width="100%" height="100%">
        <ScatterChart margin={{ top: 8, right: 16, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" />
          <XAxis dataKey="startTime" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => formatTime(t).slice(0, 5)} tick={{ fontSize: 11, fill: "#8a919e" }} name="started" />
          <YAxis dataKey="durationMs" type="number" tickFormatter={(v: number) => formatMs(v)} tick={{ fontSize: 11, fill: "#8a919e" }} width={64} name="duration" />
          <Tooltip
            cursor={{ strokeDasharray: "3 3" }}
            formatter={(value, name) => (name === "duration" ? formatMs(Number(value)) : formatTime(Number(value)))}
          />
          <Scatter data={ok} fill="#4f46e5" fillOpacity={0.75} onClick={open} cursor="pointer" isAnimationActive={false} />
          <Scatter data={failed} fill="#d43c3c" onClick={open} cursor="pointer" isAnimationActive={false} />
        </ScatterChart>
      </ResponsiveContainer>
    </div>
  );
}
