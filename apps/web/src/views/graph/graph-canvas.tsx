"use client";
import cytoscape, { type Core, type ElementDefinition, type NodeSingular } from "cytoscape";
import fcose from "cytoscape-fcose";
import { useEffect, useRef } from "react";
import type { GraphSelection } from "./graph-elements.ts";
import { GRAPH_STYLE } from "./graph-style.ts";

/** The most a fresh layout is zoomed to fit; people may zoom further (up to maxZoom). */
const FIT_MAX_ZOOM = 1.5;

cytoscape.use(fcose);

/** Above this many nodes the graph trades some looks for speed. */
const LARGE_GRAPH_NODES = 150;

interface Props {
  elements: ElementDefinition[];
  onSelect: (selection: GraphSelection | null) => void;
  onToggleVersions: (service: string) => void;
}

/**
 * The service graph. Elements are synced in place in one batch per refresh, so live data never moves
 * nodes the user is looking at: only the first load is laid out whole, later arrivals are placed beside
 * their neighbours.
 */
export function GraphCanvas({ elements, onSelect, onToggleVersions }: Props) {
  const container = useRef<HTMLDivElement>(null);
  const cyRef = useRef<Core | null>(null);
  const callbacks = useRef({ onSelect, onToggleVersions });
  callbacks.current = { onSelect, onToggleVersions };

  useEffect(() => {
    const cy = cytoscape({
      container: container.current,
      style: GRAPH_STYLE,
      minZoom: 0.05,
      maxZoom: 3,
      boxSelectionEnabled: false,
      selectionType: "single",
      // While panning or zooming, move a bitmap of the graph instead of redrawing 300 services every frame.
      textureOnViewport: true,
    });
    cyRef.current = cy;
    cy.on("tap", (event) => {
      if (event.target === cy) callbacks.current.onSelect(null);
      else callbacks.current.onSelect((event.target.data("selection") as GraphSelection | undefined) ?? null);
    });
    cy.on("dbltap", "node.service", (event) => callbacks.current.onToggleVersions((event.target.data("selection") as { service: string }).service));
    return () => {
      cyRef.current = null;
      cy.destroy();
    };
  }, []);

  useEffect(() => {
    const cy = cyRef.current;
    const host = container.current;
    if (!cy || !host) return;
    const firstLoad = cy.nodes().length === 0;
    const added = syncElements(cy, elements);
    host.dataset.nodes = String(cy.nodes().length);
    host.dataset.edges = String(cy.edges().length);
    // What each drawn edge says (its state and label), for people reading the DOM and for tests.
    host.dataset.edgeStates = JSON.stringify(Object.fromEntries(cy.edges().map((edge) => [edge.id(), { health: edge.data("health"), label: edge.data("label") }])));
    if (firstLoad && cy.nodes().length > 0) {
      host.dataset.state = "layout";
      const layoutStart = performance.now();
      host.dataset.dataAt = String(Math.round(layoutStart));
      const large = cy.nodes().length > LARGE_GRAPH_NODES;
      // Straight edges cost a fraction of bezier ones to draw and hit-test; at this size nobody sees the curve.
      if (large) cy.style().selector("edge").style("curve-style", "straight").update();
      const layout = cy.layout({
        name: "fcose",
        quality: "default",
        // A short force-directed pass after the spectral start spreads big graphs out at a fraction of the full cost.
        numIter: large ? 400 : 2500,
        randomize: true,
        animate: false,
        nodeDimensionsIncludeLabels: !large,
        idealEdgeLength: () => 140,
        nodeRepulsion: () => 9000,
        padding: 30,
      } as cytoscape.LayoutOptions);
      layout.one("layoutstop", () => {
        host.dataset.layoutOnlyMs = String(Math.round(performance.now() - layoutStart));
        cy.fit(undefined, 30);
        // A graph of a few services would fill the canvas at 3×, its labels larger than the gaps between nodes.
        if (cy.zoom() > FIT_MAX_ZOOM) {
          cy.zoom(FIT_MAX_ZOOM);
          cy.center();
        }
        host.dataset.state = "ready";
        host.dataset.readyAt = String(Math.round(performance.now()));
        host.dataset.layoutMs = String(Math.round(performance.now() - layoutStart));
      });
      layout.run();
    } else {
      placeBesideNeighbours(cy, added);
      if (cy.nodes().length > 0) host.dataset.state = "ready";
    }
  }, [elements]);

  return (
    <div
      ref={container}
      className="graph-canvas"
      data-testid="graph-canvas"
      data-state="empty"
      role="img"
      aria-label="Service graph; the table below lists the same calls for keyboard use"
    />
  );
}

/** Adds, updates and removes elements in one batch; returns the nodes that are new. */
function syncElements(cy: Core, elements: ElementDefinition[]) {
  const wanted = new Set(elements.map((e) => e.data.id!));
  let added = cy.collection();
  cy.batch(() => {
    cy.elements().filter((element) => !wanted.has(element.id())).remove();
    for (const definition of elements) {
      const existing = cy.getElementById(definition.data.id!);
      if (existing.empty()) {
        added = added.union(cy.add(definition));
        continue;
      }
      if (existing.isNode()) {
        const parent = definition.data.parent ?? null;
        if ((existing.parent().first().id() || null) !== parent) existing.move({ parent });
      }
      existing.data(definition.data);
      existing.classes(definition.classes ?? "");
    }
  });
  return added.nodes();
}

function placeBesideNeighbours(cy: Core, added: cytoscape.NodeCollection) {
  if (added.empty()) return;
  const box = cy.nodes().difference(added).boundingBox();
  added.forEach((node: NodeSingular, index: number) => {
    if (node.isParent()) return;
    const anchors = node.parent().nonempty() ? node.parent().children().difference(added) : node.neighborhood("node").difference(added);
    const jitter = () => (Math.random() - 0.5) * 60;
    if (anchors.nonempty()) {
      const centre = anchors.boundingBox();
      node.position({ x: (centre.x1 + centre.x2) / 2 + jitter(), y: (centre.y1 + centre.y2) / 2 + 50 + jitter() });
    } else if (node.parent().nonempty()) {
      const parentAt = node.parent().first().position();
      node.position({ x: parentAt.x + index * 40, y: parentAt.y });
    } else {
      node.position({ x: (Number.isFinite(box.x2) ? box.x2 : 0) + 80, y: (Number.isFinite(box.y1) ? box.y1 : 0) + index * 60 });
    }
  });
}
