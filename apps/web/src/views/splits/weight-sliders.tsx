"use client";
import { evenWeights, rebalanceWeights, type WeightSlot } from "@mesh/shared";

interface Props {
  slots: WeightSlot[];
  onChange: (slots: WeightSlot[]) => void;
  disabled: boolean;
}

const VERSION_COLOURS = ["#4f46e5", "#0e9f9a", "#d97706", "#db2777", "#2563eb", "#65a30d"];
export const versionColour = (index: number) => VERSION_COLOURS[index % VERSION_COLOURS.length]!;

/** One slider per version; moving one rebalances the unlocked others so the total stays 100. */
export function WeightSliders({ slots, onChange, disabled }: Props) {
  const total = slots.reduce((sum, s) => sum + s.weight, 0);
  return (
    <div className="stack" data-testid="weight-sliders">
      <div className="split-bar" aria-hidden>
        {slots.map((slot, index) => (
          <span key={slot.version} style={{ width: `${slot.weight}%`, background: versionColour(index) }} title={`${slot.version} ${slot.weight}%`} />
        ))}
      </div>
      {slots.map((slot, index) => (
        <div className="slider-row" key={slot.version}>
          <span className="slider-version">
            <span className="dot" style={{ background: versionColour(index) }} />
            {slot.version}
          </span>
          <input
            type="range"
            min={0}
            max={100}
            step={1}
            value={slot.weight}
            disabled={disabled || slot.locked}
            aria-label={`Weight of ${slot.version}`}
            aria-valuetext={`${slot.weight} percent`}
            onChange={(event) => onChange(rebalanceWeights(slots, slot.version, Number(event.target.value)))}
            style={{ accentColor: versionColour(index) }}
          />
          <output className="slider-value" data-testid={`weight-${slot.version}`}>
            {slot.weight}%
          </output>
          <button
            type="button"
            className="button small ghost"
            aria-pressed={Boolean(slot.locked)}
            aria-label={`${slot.locked ? "Unlock" : "Lock"} ${slot.version}`}
            disabled={disabled}
            onClick={() => onChange(slots.map((s) => (s.version === slot.version ? { ...s, locked: !s.locked } : s)))}
          >
            {slot.locked ? "Locked" : "Lock"}
          </button>
        </div>
      ))}
      <div className="row small muted">
        <span>Total {total}%</span>
        <span className="spacer" />
        <button type="button" className="button small" disabled={disabled} onClick={() => onChange(evenWeights(slots))}>
          Even split
        </button>
      </div>
    </div>
  );
}
