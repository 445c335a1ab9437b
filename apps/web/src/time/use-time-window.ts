"use client";
import { useEffect, useRef, useState } from "react";

export interface TimeWindow {
  from: number;
  to: number;
}

function windowEndingNow(rangeSeconds: number): TimeWindow {
  const to = Date.now();
  return { from: to - rangeSeconds * 1000, to };
}

/**
 * The last `rangeSeconds`, moved forward every `refreshMs` while `live`. Starts at `initial` when given
 * (the window the server already fetched), so the first render asks for nothing new.
 */
export function useTimeWindow(rangeSeconds: number, live: boolean, refreshMs = 5000, initial?: TimeWindow): TimeWindow {
  const [window, setWindow] = useState(() => initial ?? windowEndingNow(rangeSeconds));
  const shownRange = useRef(rangeSeconds);
  useEffect(() => {
    if (shownRange.current !== rangeSeconds) {
      shownRange.current = rangeSeconds;
      setWindow(windowEndingNow(rangeSeconds));
    }
    if (!live) return;
    const timer = setInterval(() => setWindow(windowEndingNow(rangeSeconds)), refreshMs);
    return () => clearInterval(timer);
  }, [rangeSeconds, live, refreshMs]);
  return window;
}
