import { startBenchProcess, type BenchProcess } from "./bench-process.ts";
import { REPORT_PREFIX, SUBSCRIBE_COMMAND, type SimulatedAgentsOptions, type SimulatedAgentsReport } from "./propagation-protocol.ts";

/** The parent's handle on one process of simulated agents (bench/propagation-agents.ts) and what it has reported. */
export class SimulatedAgents {
  registered = 0;
  subscribed = false;
  seesWholeMesh = false;
  failedHeartbeats = 0;
  /** Per agent, [revision, at] in the order they came. */
  private readonly received: [number, number][][];
  private readonly acknowledged: [number, number][][];
  private readonly fatal: string[] = [];
  private readonly process: BenchProcess;

  constructor(readonly options: SimulatedAgentsOptions) {
    this.received = options.agents.map(() => []);
    this.acknowledged = options.agents.map(() => []);
    this.process = startBenchProcess<SimulatedAgentsReport>("bench/propagation-agents.ts", [JSON.stringify(options)], REPORT_PREFIX, (report) => {
      if (report.type === "registered") this.registered = report.count;
      else if (report.type === "subscribed") [this.subscribed, this.seesWholeMesh] = [true, report.wholeMesh];
      else if (report.type === "received") this.received[report.agent]!.push([report.revision, report.at]);
      else if (report.type === "acknowledged") this.acknowledged[report.agent]!.push([report.revision, report.at]);
      else if (report.type === "heartbeat-failed") this.failedHeartbeats++;
      else this.fatal.push(report.message);
    });
  }

  get allRegistered(): boolean {
    return this.registered === this.options.agents.length;
  }

  subscribe(): void {
    this.process.send(SUBSCRIBE_COMMAND);
  }

  /** When each agent first held `revision` or a newer one (undefined: not yet). */
  receivedAt(revision: number): (number | undefined)[] {
    return this.received.map((times) => firstAtOrAfter(times, revision));
  }

  acknowledgedAt(revision: number): (number | undefined)[] {
    return this.acknowledged.map((times) => firstAtOrAfter(times, revision));
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

function firstAtOrAfter(times: [number, number][], revision: number): number | undefined {
  return times.find(([seen]) => seen >= revision)?.[1];
}
