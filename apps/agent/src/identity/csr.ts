import type { webcrypto } from "node:crypto";
import { x509 } from "./x509.ts";

type CsrKeys = Parameters<typeof x509.Pkcs10CertificateRequestGenerator.create>[0]["keys"];

/** A PKCS#10 request whose subject CN and SAN URI are the agent's SPIFFE ID, signed with its own key. */
export async function createCsrPem(keys: webcrypto.CryptoKeyPair, spiffeId: string): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: [{ CN: [spiffeId] }],
    keys: keys as CsrKeys,
    signingAlgorithm: { name: "ECDSA", hash: "SHA-256" },
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }])],
  });
  return csr.toString("pem");
}
