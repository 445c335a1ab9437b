import { callService, describeFailedCall } from "../lib/call-service.ts";
import { chance, numberFromEnv, serve } from "../lib/serve.ts";

// v1 shows no stars; v2 (black) and v3 (red) ask ratings. FAILURE_PERCENT makes a share of requests fail with 503.
const version = process.env.VERSION ?? "v1";
const failurePercent = numberFromEnv("FAILURE_PERCENT", 0);
const starColour: Record<string, string> = { v2: "black", v3: "red" };

serve(`reviews-${version}`, async (request, url) => {
  const match = /^\/reviews\/(\d+)$/.exec(url.pathname);
  if (request.method !== "GET" || !match) return null;
  if (chance(failurePercent)) return { status: 503, body: { error: `reviews ${version} is overloaded` } };
  const id = Number(match[1]);
  const reviews = [
    { reviewer: "Reviewer1", text: "An extremely entertaining play by Shakespeare. The slapstick humour is refreshing!" },
    { reviewer: "Reviewer2", text: "Absolutely fun and entertaining. The play lacks thematic depth when compared to other plays by Shakespeare." },
  ];
  const colour = starColour[version];
  if (!colour) return { status: 200, body: { id, version, reviews } };
  const ratings = await callService(`http://ratings/ratings/${id}`, request.headers).catch((error: Error) => error);
  if (ratings instanceof Error || ratings.status !== 200) {
    const cause = ratings instanceof Error ? ratings.message : describeFailedCall(ratings);
    return { status: 200, body: { id, version, reviews, ratingsError: `ratings unavailable: ${cause}` } };
  }
  const stars = (ratings.body as { ratings?: Record<string, number> }).ratings ?? {};
  return { status: 200, body: { id, version, reviews: reviews.map((r) => ({ ...r, rating: { stars: stars[r.reviewer] ?? null, colour } })) } };
});
