import type { AgentSnapshot } from "@mesh/shared";
import type { EndpointState } from "../balancer/endpoint-state.ts";
import { Destination } from "./destination.ts";

/** The outbound side's view of every destination, brought up to date on each snapshot. */
export class Destinations {
  private readonly byName = new Map<string, Destination>();

  get(name: string): Destination | undefined {
    return this.byName.get(name);
  }

  /** Applies a snapshot; returns the endpoint states still in use (to close pools of the rest). */
  update(snapshot: AgentSnapshot): Set<EndpointState> {
    const live = new Set<EndpointState>();
    for (const name in snapshot.destinations) {
      const config = snapshot.destinations[name]!;
      let destination = this.byName.get(name);
      if (destination) destination.update(config);
      else this.byName.set(name, (destination = new Destination(name, config)));
      for (const state of destination.liveStates()) live.add(state);
    }
    for (const name of this.byName.keys()) if (!(name in snapshot.destinations)) this.byName.delete(name);
    return live;
  }
}
