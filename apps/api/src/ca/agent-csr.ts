import { CertificateRequestError } from "./errors.ts";
import { x509 } from "./x509.ts";

const SUBJECT_ALT_NAME_OID = "2.5.29.17";

/**
 * The CSR's public key, once it is proven that the requester holds the private key (signature), that the key is
 * ECDSA P-256 and that the only name asked for is `expectedSpiffeId`.
 */
export async function verifyAgentCsr(csrPem: string, expectedSpiffeId: string): Promise<x509.PublicKey> {
  let csr: x509.Pkcs10CertificateRequest;
  try {
    csr = new x509.Pkcs10CertificateRequest(csrPem);
  } catch (error) {
    throw new CertificateRequestError("BAD_REQUEST", `csrPem is not a PEM-encoded PKCS#10 certificate request (${(error as Error).message})`);
  }

  const algorithm = csr.publicKey.algorithm as { name: string; namedCurve?: string };
  if (algorithm.name !== "ECDSA" || algorithm.namedCurve !== "P-256") {
    const found = algorithm.namedCurve ? `${algorithm.name} ${algorithm.namedCurve}` : algorithm.name;
    throw new CertificateRequestError("BAD_REQUEST", `the CSR's key must be ECDSA P-256, got ${found}`);
  }
  if (!(await verifySignature(csr))) {
    throw new CertificateRequestError("BAD_REQUEST", "the CSR's signature does not verify with its own public key");
  }

  const sanExtensions = csr.getExtensions(SUBJECT_ALT_NAME_OID);
  const names = sanExtensions.flatMap((extension) => new x509.SubjectAlternativeNameExtension(extension.rawData).names.items);
  if (names.length === 0) {
    throw new CertificateRequestError("BAD_REQUEST", `the CSR must carry a subject alternative name URI ${expectedSpiffeId}`);
  }
  const unexpected = names.filter((name) => !(name.type === "url" && name.value === expectedSpiffeId));
  if (unexpected.length > 0) {
    const asked = unexpected.map((name) => `${name.type}:${name.value}`).join(", ");
    throw new CertificateRequestError("FORBIDDEN", `this credential may only obtain ${expectedSpiffeId}; the CSR asks for ${asked}`);
  }
  return csr.publicKey;
}

async function verifySignature(csr: x509.Pkcs10CertificateRequest): Promise<boolean> {
  try {
    return await csr.verify();
  } catch {
    return false;
  }
}
