"use client";

export const TIME_RANGES = [
  { label: "5m", seconds: 300 },
  { label: "15m", seconds: 900 },
  { label: "1h", seconds: 3600 },
  { label: "6h", seconds: 21_600 },
  { label: "24h", seconds: 86_400 },
] as const;

export function TimeRangePicker({ value, onChange }: { value: number; onChange: (seconds: number) => void }) {
  return (
    <div className="segmented" role="group" aria-label="Time range">
      {TIME_RANGES.map((range) => (
        <button key={range.label} type="button" aria-pressed={value === range.seconds} onClick={() => onChange(range.seconds)}>
          {range.label}
        </button>
      ))}
    </div>
  );
}
