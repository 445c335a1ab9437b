"use client";
import { useEffect, useState } from "react";

export interface TimeWindow {
  from: number;
  to: number;
}

function windowEndingNow(rangeSeconds: number): TimeWindow {
  const to = Date.now();
  return { from: to - rangeSeconds * 1000, to };
}

/** The last `rangeSeconds`, moved forward every `refreshMs` while `live`. */
export function useTimeWindow(rangeSeconds: number, live: boolean, refreshMs = 5000): TimeWindow {
  const [window, setWindow] = useState(() => windowEndingNow(rangeSeconds));
  useEffect(() => {
    setWindow(windowEndingNow(rangeSeconds));
    if (!live) return;
    const timer = setInterval(() => setWindow(windowEndingNow(rangeSeconds)), refreshMs);
    return () => clearInterval(timer);
  }, [rangeSeconds, live, refreshMs]);
  return window;
}
