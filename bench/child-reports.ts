import type { RunningProcess } from "../packages/testkit/src/processes.ts";

/** Calls `onReport` with each JSON line a child process prints after `prefix`. */
export function onChildReports<T>(child: RunningProcess, prefix: string, onReport: (report: T) => void): void {
  let pending = "";
  child.child.stdout!.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop()!;
    for (const line of lines) if (line.startsWith(prefix)) onReport(JSON.parse(line.slice(prefix.length)) as T);
  });
}
