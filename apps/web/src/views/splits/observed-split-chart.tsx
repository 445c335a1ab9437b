"use client";
import { keepPreviousData, useQueries } from "@tanstack/react-query";
import { CartesianGrid, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatTime } from "../../format/figures.ts";
import { useTimeWindow } from "../../time/use-time-window.ts";
import { useTRPC } from "../../trpc/trpc.ts";
import { versionColour } from "./weight-sliders.tsx";

const WINDOW_SECONDS = 900;
const STEP_SECONDS = 20;

/** The share of requests each version received over time, against the weights now configured. */
export function ObservedSplitChart({ service, versions, targets }: { service: string; versions: string[]; targets: Record<string, number> }) {
  const trpc = useTRPC();
  const window = useTimeWindow(WINDOW_SECONDS, true, 5000);
  const series = useQueries({
    queries: versions.map((version) => ({
      ...trpc.metrics.red.queryOptions({ service, version, ...window, step: STEP_SECONDS }),
      placeholderData: keepPreviousData,
    })),
  });
  const length = Math.max(0, ...series.map((s) => s.data?.points.length ?? 0));
  const points = Array.from({ length }, (_, i) => {
    const counts = versions.map((_, v) => series[v]?.data?.points[i]?.requests ?? 0);
    const total = counts.reduce((a, b) => a + b, 0);
    const time = series.find((s) => s.data?.points[i])?.data?.points[i]?.time ?? 0;
    return Object.fromEntries([["time", time], ...versions.map((v, index) => [v, total > 0 ? (100 * counts[index]!) / total : null])]);
  });
  return (
    <div style={{ height: 200 }} data-testid="observed-split">
      <ResponsiveContainer width="100%" height="100%">
        <LineChart data={points} margin={{ top: 8, right: 12, bottom: 0, left: 0 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="time" type="number" domain={["dataMin", "dataMax"]} tickFormatter={(t: number) => formatTime(t).slice(0, 5)} tick={{ fontSize: 11, fill: "#8a919e" }} minTickGap={40} />
          <YAxis domain={[0, 100]} unit="%" tick={{ fontSize: 11, fill: "#8a919e" }} width={44} />
          <Tooltip labelFormatter={(t) => formatTime(Number(t))} formatter={(v) => `${Math.round(Number(v))}%`} />
          {versions.map((version, index) => (
            <ReferenceLine key={`target-${version}`} y={targets[version] ?? 0} stroke={versionColour(index)} strokeDasharray="4 4" strokeOpacity={0.6} />
          ))}
          {versions.map((version, index) => (
            <Line key={version} dataKey={version} stroke={versionColour(index)} strokeWidth={1.8} dot={false} isAnimationActive={false} connectNulls />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </div>
  );
}
