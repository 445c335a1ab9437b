/** Where the control plane listens; read per request so one build serves any deployment. */
export function meshApiUrl(): string {
  return (process.env.MESH_API_URL ?? "http://127.0.0.1:4000").replace(/\/+$/, "");
}
