import { execFileSync } from "node:child_process";
import { expect, it } from "vitest";
import { isAlive, startTsProcess, waitFor } from "../src/index.ts";


it("a SIGKILL to the child kills the program itself, leaving no orphan", async () => {
  const program = startTsProcess("packages/testkit/test/fixtures/idle.ts", []);
  await waitFor(() => program.output().includes("ready"), { what: "the idle program to start" });
  const pid = program.child.pid!;
  program.child.kill("SIGKILL");
  await program.exited;
  expect(isAlive(pid)).toBe(false);
  expect(execFileSync("ps", ["-eo", "args"]).toString()).not.toContain("fixtures/idle.ts");
});
