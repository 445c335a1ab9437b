import type { StylesheetJson } from "cytoscape";

// Labels vanish below these on-screen sizes, which keeps 300-service graphs fast and legible when zoomed out.
const NODE_LABEL_MIN_PX = 7;
const EDGE_LABEL_MIN_PX = 8;

export const GRAPH_STYLE: StylesheetJson = [
  {
    selector: "node",
    style: {
      "background-color": "#ffffff",
      "border-width": 3,
      "border-color": "data(colour)",
      width: 30,
      height: 30,
      label: "data(label)",
      "font-family": "Inter Variable, system-ui, sans-serif",
      "font-size": 11,
      "font-weight": 500,
      color: "#16181d",
      "text-valign": "bottom",
      "text-margin-y": 5,
      "text-background-color": "#f6f7f9",
      "text-background-opacity": 0.85,
      "text-background-padding": "2px",
      "min-zoomed-font-size": NODE_LABEL_MIN_PX,
      "overlay-opacity": 0,
    },
  },
  {
    selector: "node.version",
    style: { shape: "round-rectangle", width: 22, height: 22, "border-width": 2.5, "font-size": 10 },
  },
  {
    selector: "node.expanded",
    style: {
      shape: "round-rectangle",
      "background-color": "#eef0fe",
      "background-opacity": 0.5,
      "border-width": 1,
      "border-style": "dashed",
      "border-color": "#8b8fe8",
      "text-valign": "top",
      "text-margin-y": -4,
      padding: "14px",
    },
  },
  {
    selector: "edge",
    style: {
      width: "data(width)",
      "curve-style": "bezier",
      "line-color": "data(colour)",
      "target-arrow-color": "data(colour)",
      "target-arrow-shape": "triangle",
      "arrow-scale": 0.9,
      label: "data(label)",
      "font-family": "Inter Variable, system-ui, sans-serif",
      "font-size": 9,
      color: "#3d4350",
      "text-rotation": "autorotate",
      // Long labels (a denial names its policy) wrap instead of running over the nodes at either end.
      "text-wrap": "wrap",
      "text-max-width": "150px",
      "text-background-color": "#ffffff",
      "text-background-opacity": 0.9,
      "text-background-padding": "2px",
      "min-zoomed-font-size": EDGE_LABEL_MIN_PX,
      "overlay-opacity": 0,
    },
  },
  { selector: "edge.plaintext", style: { "line-style": "dashed" } },
  {
    selector: ":selected",
    style: { "overlay-color": "#4f46e5", "overlay-opacity": 0.14, "overlay-padding": 6, "border-color": "#4f46e5" },
  },
  { selector: "edge:selected", style: { "line-color": "#4f46e5", "target-arrow-color": "#4f46e5" } },
];
