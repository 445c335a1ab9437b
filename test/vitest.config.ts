import { defineProject } from "vitest/config";

export default defineProject({
  test: { name: "e2e", include: ["e2e/**/*.test.ts"], testTimeout: 300_000, hookTimeout: 300_000 },
});
