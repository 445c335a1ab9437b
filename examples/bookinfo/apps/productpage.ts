import { callService, describeFailedCall } from "../lib/call-service.ts";
import { serve } from "../lib/serve.ts";

// The front page: a book's details and its reviews, fetched in parallel; a failed part degrades the page, not the request.
serve("productpage", async (request, url) => {
  if (request.method !== "GET" || (url.pathname !== "/productpage" && url.pathname !== "/")) return null;
  const id = url.searchParams.get("id") ?? "0";
  const [details, reviews] = await Promise.all([
    callService(`http://details/details/${id}`, request.headers).catch((error: Error) => error),
    callService(`http://reviews/reviews/${id}`, request.headers).catch((error: Error) => error),
  ]);
  return {
    status: 200,
    body: {
      id,
      details: details instanceof Error ? { error: details.message } : details.status === 200 ? details.body : { error: describeFailedCall(details) },
      reviews: reviews instanceof Error ? { error: reviews.message } : reviews.status === 200 ? reviews.body : { error: describeFailedCall(reviews) },
    },
  };
});
