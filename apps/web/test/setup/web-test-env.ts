import type { PlannedSpan } from "./demo-traces.ts";

export interface WebTestEnv {
  webUrl: string;
  apiUrl: string;
  adminToken: string;
  joinToken: string;
  viewerToken: string;
  editorToken: string;
  trace: { traceId: string; spans: PlannedSpan[] };
}

declare module "vitest" {
  export interface ProvidedContext {
    web: WebTestEnv;
  }
}
