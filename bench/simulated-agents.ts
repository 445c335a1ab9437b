import { startBenchProcess, type BenchProcess } from "./bench-process.ts";
import { REPORT_PREFIX, SUBSCRIBE_COMMAND, type SimulatedAgentsOptions, type SimulatedAgentsReport } from "./propagation-protocol.ts";

/** The parent's handle on one process of simulated agents (bench/propagation-agents.ts) and what it has reported. */
export class SimulatedAgents {
  registered = false;
  settled = false;
  failedHeartbeats = 0;
  readonly revisions = new Map<number, { receivedAt: number[]; acknowledgedAt: number[] }>();
  private readonly fatal: string[] = [];
  private readonly process: BenchProcess;

  constructor(options: SimulatedAgentsOptions) {
    this.process = startBenchProcess<SimulatedAgentsReport>("bench/propagation-agents.ts", [JSON.stringify(options)], REPORT_PREFIX, (report) => {
      if (report.type === "registered") this.registered = true;
      else if (report.type === "settled") this.settled = true;
      else if (report.type === "revision") this.revisions.set(report.revision, report);
      else if (report.type === "heartbeat-failed") this.failedHeartbeats++;
      else this.fatal.push(report.message);
    });
  }

  subscribe(): void {
    this.process.send(SUBSCRIBE_COMMAND);
  }

  /** Throws when the process died or a simulated agent could not go on. */
  assertRunning(): void {
    if (this.fatal.length) throw new Error(`simulated agents failed: ${this.fatal[0]}`);
    if (this.process.child.exitCode !== null) throw new Error(`simulated agents exited: ${this.process.output().slice(-1500)}`);
  }

  stop(): Promise<void> {
    return this.process.stop(2000);
  }
}
