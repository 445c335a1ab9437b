import type { ElementDefinition } from "cytoscape";
import { trafficSummary } from "../../components/health-badge.tsx";
import { formatMs, formatRate } from "../../format/figures.ts";
import { healthOf, HEALTH_COLOUR, trafficHealth } from "../../health/health.ts";
import type { GraphEdgeStats, ServiceGraph } from "../../types/api.ts";

export const serviceNodeId = (service: string) => `svc:${service}`;
export const versionNodeId = (service: string, version: string) => `ver:${service}:${version}`;
export const edgeId = (source: string, destination: string) => `edge:${source}>${destination}`;

/** What a click on an element selects, kept in the element's data. */
export type GraphSelection = { kind: "service"; service: string; version?: string } | { kind: "edge"; source: string; destination: string };

/** Requests and error % reaching one version, for expanded services. */
export type VersionLoad = Map<string, { requests: number; errorPercent: number | null }>;

/** An edge's label: rate, then what went wrong in words (denied by a policy, 5xx and 4xx shares, idle), then p99. mTLS is the solid line. */
export function edgeLabel(edge: Pick<GraphEdgeStats, "requests" | "requestsPerSecond" | "errorPercent" | "clientErrorPercent" | "denied" | "p99Ms">): string {
  return `${formatRate(edge.requestsPerSecond)} · ${trafficSummary(edge)} · p99 ${formatMs(edge.p99Ms)}`;
}

/** Cytoscape elements for the graph: parents before children, nodes before edges. */
export function buildElements(graph: ServiceGraph, expanded: ReadonlySet<string>, versionLoad: VersionLoad): ElementDefinition[] {
  const nodes: ElementDefinition[] = [];
  const children: ElementDefinition[] = [];
  for (const node of graph.nodes) {
    const isExpanded = expanded.has(node.service) && node.versions.length > 0;
    nodes.push({
      group: "nodes",
      data: {
        id: serviceNodeId(node.service),
        label: !isExpanded && node.versions.length > 1 ? `${node.service} (${node.versions.length})` : node.service,
        colour: HEALTH_COLOUR[trafficHealth(node)],
        selection: { kind: "service", service: node.service } satisfies GraphSelection,
      },
      classes: isExpanded ? "service expanded" : "service",
    });
    if (!isExpanded) continue;
    for (const version of node.versions) {
      const load = versionLoad.get(`${node.service}:${version}`);
      children.push({
        group: "nodes",
        data: {
          id: versionNodeId(node.service, version),
          parent: serviceNodeId(node.service),
          label: version,
          colour: HEALTH_COLOUR[load ? healthOf(load.requests, load.errorPercent ?? 0) : "idle"],
          selection: { kind: "service", service: node.service, version } satisfies GraphSelection,
        },
        classes: "version",
      });
    }
  }
  const edges: ElementDefinition[] = graph.edges.map((edge) => ({
    group: "edges",
    data: {
      id: edgeId(edge.source, edge.destination),
      source: serviceNodeId(edge.source),
      target: serviceNodeId(edge.destination),
      label: edgeLabel(edge),
      colour: HEALTH_COLOUR[trafficHealth(edge)],
      health: trafficHealth(edge),
      width: 1.2 + Math.min(4, Math.log10(1 + edge.requestsPerSecond) * 1.6),
      selection: { kind: "edge", source: edge.source, destination: edge.destination } satisfies GraphSelection,
    },
    classes: edge.mtls ? "mtls" : "plaintext",
  }));
  return [...nodes, ...children, ...edges];
}
