import { createPrivateKey, webcrypto } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { spiffeId } from "@mesh/shared";
import { generateKeyPair } from "../../src/identity/key-pair.ts";
import { x509 } from "../../src/identity/x509.ts";
import type { TlsCredentials } from "../../src/state.ts";

const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;

/**
 * Issues client credentials signed by the REAL mesh CA, with its key read from the control plane's
 * data dir (ca-key.pem): the identities and validity windows a hostile or broken peer could hold.
 */
export async function issueFromMeshCa(
  controlPlaneDataDir: string,
  caPem: string,
  service: string,
  { trustDomain = "mesh.local", notBefore = new Date(Date.now() - 60_000), notAfter = new Date(Date.now() + 3_600_000) } = {},
): Promise<TlsCredentials> {
  const caKeyPem = await readFile(path.join(controlPlaneDataDir, "ca-key.pem"), "utf8");
  const pkcs8 = createPrivateKey(caKeyPem).export({ type: "pkcs8", format: "der" });
  const caKey = await webcrypto.subtle.importKey("pkcs8", pkcs8, { name: "ECDSA", namedCurve: "P-256" }, false, ["sign"]);
  const ca = new x509.X509Certificate(caPem);
  const leafKeys = await generateKeyPair();
  const leaf = await x509.X509CertificateGenerator.create({
    subject: `CN=${service}`,
    issuer: ca.subject,
    publicKey: leafKeys.keys.publicKey as never,
    signingKey: caKey as never,
    notBefore,
    notAfter,
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId(trustDomain, service) }]),
    ],
  });
  return { keyPem: leafKeys.privateKeyPem, certificatePem: leaf.toString("pem"), caPem, notAfter };
}
