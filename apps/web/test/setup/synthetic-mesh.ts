import type { DemoEdge } from "./demo-mesh.ts";
import { seededRandom } from "./synthetic-traffic.ts";

/** `count` services in layers, each calling two services of the next layer: a big, deep, realistic-looking mesh. */
export function syntheticMesh(count: number, seed = 11): { services: string[]; edges: DemoEdge[] } {
  const random = seededRandom(seed);
  const services = Array.from({ length: count }, (_, i) => `svc-${String(i).padStart(3, "0")}`);
  const layerSize = 20;
  const edges: DemoEdge[] = [];
  for (let i = 0; i < count - layerSize; i++) {
    const nextLayer = (Math.floor(i / layerSize) + 1) * layerSize;
    const targets = new Set([nextLayer + Math.floor(random() * layerSize), nextLayer + Math.floor(random() * layerSize)]);
    for (const target of targets) {
      if (target >= count) continue;
      edges.push({
        source: services[i]!,
        destination: services[target]!,
        versions: { v1: 1 },
        rps: 1 + random() * 20,
        errorRate: random() < 0.1 ? random() * 0.3 : 0,
        medianMs: 2 + random() * 40,
        mtls: random() > 0.05,
      });
    }
  }
  return { services, edges };
}
