import { setTimeout as sleep } from "node:timers/promises";
import { chance, numberFromEnv, serve } from "../lib/serve.ts";

// SLOW_PERCENT of requests take SLOW_MS longer, like a database having a bad moment.
const slowPercent = numberFromEnv("SLOW_PERCENT", 0);
const slowMs = numberFromEnv("SLOW_MS", 300);

serve("ratings", async (request, url) => {
  const match = /^\/ratings\/(\d+)$/.exec(url.pathname);
  if (request.method !== "GET" || !match) return null;
  if (chance(slowPercent)) await sleep(slowMs);
  return { status: 200, body: { id: Number(match[1]), ratings: { Reviewer1: 5, Reviewer2: 4 } } };
});
