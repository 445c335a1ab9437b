/** The httpOnly cookie holding the dashboard session's secret (never the operator token itself). */
export const SESSION_COOKIE = "mesh_session";
/** Sent on every browser call; the API ignores the cookie without it (CSRF defence). */
export const CLIENT_HEADER = "x-mesh-client";
