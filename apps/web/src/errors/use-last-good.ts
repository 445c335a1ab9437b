"use client";
import { useRef } from "react";

interface QueryLike<T> {
  data: T | undefined;
  error: unknown;
  isPlaceholderData?: boolean;
  dataUpdatedAt: number;
}

export interface LastGood<T> {
  /** The query's data, or the last data it had when a refresh failed. */
  data: T | undefined;
  /** When the shown data was received, if a refresh has failed since; null while fresh. */
  staleSince: number | null;
  error: unknown;
}

/** Keeps a live query's last good answer on screen when a refresh fails (a new window's key has no data of its own). */
export function useLastGood<Q extends QueryLike<unknown>>(query: Q): LastGood<NonNullable<Q["data"]>> {
  type T = NonNullable<Q["data"]>;
  const last = useRef<{ data: T; at: number } | null>(null);
  if (query.data !== undefined && !query.isPlaceholderData && query.dataUpdatedAt > 0 && !query.error) last.current = { data: query.data as T, at: query.dataUpdatedAt };
  const data = query.data as T | undefined;
  if (!query.error) return { data: data ?? last.current?.data, staleSince: null, error: null };
  return { data: last.current?.data ?? data, staleSince: last.current?.at ?? null, error: query.error };
}
