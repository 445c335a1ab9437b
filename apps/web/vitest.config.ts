import { defineProject } from "vitest/config";

export default defineProject({
  test: {
    name: "web",
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global-setup.ts"],
    // One browser suite against one shared app: run the files one after another.
    fileParallelism: false,
    testTimeout: 120_000,
    hookTimeout: 600_000,
    // The browser waits on a real app on a busy 2-core machine.
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
});
