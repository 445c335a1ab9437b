import { callService } from "../lib/call-service.ts";
import { chance, numberFromEnv, serve } from "../lib/serve.ts";

// Steady traffic to productpage: RATE requests per second, JASON_PERCENT of them as user "jason" (for header routes).
const rate = numberFromEnv("RATE", 5);
const jasonPercent = numberFromEnv("JASON_PERCENT", 20);
const counts = { sent: 0, ok: 0, failed: 0 };

serve("loadgen", async (request, url) => (request.method === "GET" && url.pathname === "/stats" ? { status: 200, body: counts } : null));

function sendOne(): void {
  counts.sent++;
  const headers = chance(jasonPercent) ? { "x-user": "jason" } : {};
  callService(`http://productpage/productpage?id=${counts.sent % 10}`, headers)
    .then((reply) => (reply.status < 400 ? counts.ok++ : counts.failed++))
    .catch(() => counts.failed++);
}

if (rate > 0) setInterval(sendOne, 1000 / rate);
setInterval(() => console.log(`loadgen: sent ${counts.sent}, ok ${counts.ok}, failed ${counts.failed}`), 10_000).unref();
