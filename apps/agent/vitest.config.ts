import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "agent",
    include: ["test/**/*.test.ts"],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    // Integration files each start a control plane and several agent processes; one at a time keeps a 2-core machine honest.
    fileParallelism: false,
  },
});
