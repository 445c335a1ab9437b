import { publicProcedure, router } from "../trpc.ts";

export const authRouter = router({
  /** Who the presented token belongs to; null when no valid token was given. */
  whoami: publicProcedure.query(({ ctx }) => ctx.principal),
});
