import type { LoadBalancer } from "@mesh/shared";
import type { Balancer } from "./balancer.ts";
import { EwmaBalancer } from "./ewma.ts";
import { LeastRequestBalancer } from "./least-request.ts";
import { RandomBalancer } from "./random.ts";
import { RoundRobinBalancer } from "./round-robin.ts";

export function createBalancer(kind: LoadBalancer): Balancer {
  switch (kind) {
    case "round-robin":
      return new RoundRobinBalancer();
    case "least-request":
      return new LeastRequestBalancer();
    case "random":
      return new RandomBalancer();
    case "ewma":
      return new EwmaBalancer();
  }
}
