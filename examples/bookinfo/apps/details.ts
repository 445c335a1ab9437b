import { serve } from "../lib/serve.ts";

serve("details", async (request, url) => {
  const match = /^\/details\/(\d+)$/.exec(url.pathname);
  if (request.method !== "GET" || !match) return null;
  return {
    status: 200,
    body: {
      id: Number(match[1]),
      author: "William Shakespeare",
      year: 1595,
      type: "paperback",
      pages: 200,
      publisher: "PublisherA",
      language: "English",
      isbn13: "978-3-16-148410-0",
    },
  };
});
