"use client";
import { Area, AreaChart, CartesianGrid, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { formatMs, formatPercent, formatRate, formatTime } from "../../format/figures.ts";
import type { RedPoint } from "../../types/api.ts";

const AXIS = { fontSize: 11, fill: "#8a919e" };
const ACCENT = "#4f46e5";

interface Props {
  points: RedPoint[];
  /** Stack the three charts (side panels) or lay them in a row (pages). */
  layout?: "column" | "row";
  height?: number;
}

/** Requests per second, error percentage and latency (p50/p99) over time. */
export function RedCharts({ points, layout = "row", height = 150 }: Props) {
  const className = layout === "row" ? "grid grid-3" : "stack";
  return (
    <div className={className} data-testid="red-charts">
      <ChartCard title="Requests" height={height}>
        <AreaChart data={points} margin={{ top: 6, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="time" type="number" domain={["dataMin", "dataMax"]} tickFormatter={formatTick} tick={AXIS} minTickGap={40} />
          <YAxis tick={AXIS} width={44} allowDecimals />
          <Tooltip labelFormatter={(t) => formatTime(new Date(Number(t)))} formatter={(v) => formatRate(Number(v))} />
          <Area type="monotone" dataKey="requestsPerSecond" name="req/s" stroke={ACCENT} fill={ACCENT} fillOpacity={0.12} strokeWidth={1.6} isAnimationActive={false} />
        </AreaChart>
      </ChartCard>
      <ChartCard title="Errors" height={height}>
        <LineChart data={points} margin={{ top: 6, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="time" type="number" domain={["dataMin", "dataMax"]} tickFormatter={formatTick} tick={AXIS} minTickGap={40} />
          <YAxis tick={AXIS} width={44} unit="%" />
          <Tooltip labelFormatter={(t) => formatTime(new Date(Number(t)))} formatter={(v) => formatPercent(Number(v))} />
          <Line type="monotone" dataKey="errorPercent" name="errors" stroke="#d43c3c" dot={false} strokeWidth={1.6} isAnimationActive={false} />
        </LineChart>
      </ChartCard>
      <ChartCard title="Latency" height={height}>
        <LineChart data={points} margin={{ top: 6, right: 8, bottom: 0, left: -12 }}>
          <CartesianGrid stroke="#eef0f3" vertical={false} />
          <XAxis dataKey="time" type="number" domain={["dataMin", "dataMax"]} tickFormatter={formatTick} tick={AXIS} minTickGap={40} />
          <YAxis tick={AXIS} width={44} />
          <Tooltip labelFormatter={(t) => formatTime(new Date(Number(t)))} formatter={(v) => formatMs(Number(v))} />
          <Line type="monotone" dataKey="p99Ms" name="p99" stroke={ACCENT} dot={false} strokeWidth={1.6} isAnimationActive={false} connectNulls />
          <Line type="monotone" dataKey="p50Ms" name="p50" stroke="#9aa1ad" dot={false} strokeWidth={1.2} isAnimationActive={false} connectNulls />
        </LineChart>
      </ChartCard>
    </div>
  );
}

function ChartCard({ title, height, children }: { title: string; height: number; children: React.ReactElement }) {
  return (
    <div>
      <div className="stat-label" style={{ marginBottom: 4 }}>
        {title}
      </div>
      <div style={{ height }}>
        <ResponsiveContainer width="100%" height="100%">
          {children}
        </ResponsiveContainer>
      </div>
    </div>
  );
}

function formatTick(t: number): string {
  return formatTime(new Date(t)).slice(0, 5);
}
