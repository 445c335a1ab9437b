/** The httpOnly cookie holding the operator token (API-CONTRACT.md). */
export const SESSION_COOKIE = "mesh_session";
/** Sent on every browser call; the API ignores the cookie without it (CSRF defence). */
export const CLIENT_HEADER = "x-mesh-client";
