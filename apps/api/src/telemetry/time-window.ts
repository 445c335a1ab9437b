import { z } from "zod";

const DEFAULT_WINDOW_MS = 15 * 60_000;

/** from/to as epoch milliseconds; `to` defaults to now and `from` to 15 minutes before `to`. */
export const timeWindowSchema = z
  .object({
    from: z.int().min(0).optional(),
    to: z.int().min(0).optional(),
  })
  .transform(({ from, to }) => {
    const end = to ?? Date.now();
    return { from: from ?? end - DEFAULT_WINDOW_MS, to: end };
  })
  .refine(({ from, to }) => from < to, { error: "from must be before to", path: ["from"] });
