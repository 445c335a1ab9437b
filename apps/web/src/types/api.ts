import type { inferRouterInputs, inferRouterOutputs } from "@trpc/server";
import type { AppRouter } from "@mesh/api/router";

/** What the control plane's procedures return, as JSON (dates are ISO strings or epoch ms). */
export type ApiOutputs = inferRouterOutputs<AppRouter>;
export type ApiInputs = inferRouterInputs<AppRouter>;

export type ServiceGraph = ApiOutputs["metrics"]["graph"];
export type GraphNodeStats = ServiceGraph["nodes"][number];
export type GraphEdgeStats = ServiceGraph["edges"][number];
export type RedResult = ApiOutputs["metrics"]["red"];
export type RedPoint = RedResult["points"][number];
export type TraceDetail = ApiOutputs["traces"]["get"];
export type TraceSpan = TraceDetail["roots"][number];
export type TraceSummary = ApiOutputs["traces"]["list"][number];
export type ServiceSummary = ApiOutputs["services"]["list"][number];
export type ServiceDetail = ApiOutputs["services"]["get"];
export type AccessLogLine = ApiOutputs["logs"]["search"][number];
