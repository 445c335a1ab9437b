"use client";
import { formatMs } from "../../format/figures.ts";
import type { TraceSpan } from "../../types/api.ts";
import { serviceColour, type WaterfallRow } from "./waterfall-rows.ts";

interface Props {
  rows: WaterfallRow[];
  totalMs: number;
  selected: string | null;
  onSelect: (span: TraceSpan) => void;
  showCriticalPath: boolean;
}

const TICKS = 5;

/** Span bars on a shared time axis, nested by parent, coloured by service. */
export function TraceWaterfall({ rows, totalMs, selected, onSelect, showCriticalPath }: Props) {
  const scale = totalMs > 0 ? totalMs : 1;
  return (
    <div className="waterfall" role="list" aria-label="Spans" data-testid="waterfall">
      <div className="waterfall-axis" aria-hidden>
        <span className="waterfall-label-col">Service · operation</span>
        <span className="waterfall-ticks">
          {Array.from({ length: TICKS + 1 }, (_, i) => (
            <span key={i} style={{ left: `${(i / TICKS) * 100}%` }}>
              {formatMs((scale * i) / TICKS)}
            </span>
          ))}
        </span>
      </div>
      {rows.map(({ span, depth, critical }) => (
        <button
          key={span.spanId}
          type="button"
          role="listitem"
          className={`waterfall-row${selected === span.spanId ? " selected" : ""}${showCriticalPath && critical ? " critical" : ""}`}
          onClick={() => onSelect(span)}
          data-span-id={span.spanId}
          data-testid="span-row"
          aria-label={`${span.service} ${span.name}, ${formatMs(span.durationMs)}${span.error ? ", error" : ""}`}
        >
          <span className="waterfall-label-col" style={{ paddingLeft: 8 + depth * 16 }}>
            <span className="dot" style={{ background: serviceColour(span.service) }} />
            <span className="waterfall-service">{span.service}</span>
            <span className="waterfall-name">{span.name}</span>
            {span.error && (
              <span className="badge bad" title={span.meshError ?? "error"}>
                {span.httpStatus ?? "error"}
              </span>
            )}
          </span>
          <span className="waterfall-track">
            {Array.from({ length: TICKS - 1 }, (_, i) => (
              <span key={i} className="waterfall-gridline" style={{ left: `${((i + 1) / TICKS) * 100}%` }} />
            ))}
            <span
              className="waterfall-bar"
              style={{
                left: `${(span.offsetMs / scale) * 100}%`,
                width: `max(2px, ${(span.durationMs / scale) * 100}%)`,
                background: serviceColour(span.service),
              }}
            />
            {span.error && <span className="waterfall-error-mark" style={{ left: `${((span.offsetMs + span.durationMs) / scale) * 100}%` }} aria-hidden />}
            <span className="waterfall-duration" style={{ left: `calc(${((span.offsetMs + span.durationMs) / scale) * 100}% + 6px)` }}>
              {formatMs(span.durationMs)}
            </span>
          </span>
        </button>
      ))}
    </div>
  );
}
