import { x509 } from "../../src/identity/x509.ts";
import { generateKeyPair } from "../../src/identity/key-pair.ts";
import type { TlsCredentials } from "../../src/state.ts";

const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/**
 * Credentials for `spiffeId` issued by a throwaway CA that is not the mesh's, valid over the given
 * window: forged identities for mTLS tests, and old or expired certificates for renewal tests.
 */
export async function certificateFromForeignCa(
  spiffeId: string,
  { notBefore = new Date(Date.now() - 60_000), notAfter = new Date(Date.now() + 3_600_000) }: { notBefore?: Date; notAfter?: Date } = {},
): Promise<TlsCredentials> {
  const caKeys = await generateKeyPair();
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: "CN=Not the mesh CA",
    keys: caKeys.keys as never,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const leafKeys = await generateKeyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${spiffeId}`,
    issuer: ca.subject,
    publicKey: leafKeys.keys.publicKey as never,
    signingKey: caKeys.keys.privateKey as never,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId }])],
  });
  return { keyPem: leafKeys.privateKeyPem, certificatePem: leaf.toString("pem"), caPem: ca.toString("pem"), notAfter };
}
