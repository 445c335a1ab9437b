import type { IncomingMessage, ServerResponse } from "node:http";
import type { Principal } from "./auth/principal.ts";
import type { ControlPlaneDeps } from "./deps.ts";
import { receiveOtlpTraces } from "./telemetry/otlp-receiver.ts";

/** A plain HTTP route beside /trpc (e.g. the OTLP receiver). Each area adds its line to `httpRoutes`. */
export interface HttpRoute {
  method: string;
  path: string;
  /** `authenticate` resolves the request's token (bearer or session cookie) the same way /trpc does. */
  handle(req: IncomingMessage, res: ServerResponse, deps: ControlPlaneDeps, authenticate: () => Promise<Principal>): void | Promise<void>;
}

export const httpRoutes: HttpRoute[] = [
  { method: "POST", path: "/v1/traces", handle: receiveOtlpTraces },
];
