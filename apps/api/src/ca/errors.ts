/** A certificate request the CA refuses; `code` is the tRPC error code the API answers with. */
export class CertificateRequestError extends Error {
  constructor(
    readonly code: "BAD_REQUEST" | "FORBIDDEN" | "PRECONDITION_FAILED",
    message: string,
  ) {
    super(message);
    this.name = "CertificateRequestError";
  }
}
