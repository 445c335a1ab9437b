import { EC_P256, generateKeyPair, randomSerialNumber, x509, type CryptoKeyPair } from "./x509.ts";

const ROOT_LIFETIME_MS = 10 * 365 * 24 * 3600 * 1000;

/** A self-signed root for the trust domain: may sign end-entity certificates only (path length 0). */
export async function createRootCertificate(trustDomain: string): Promise<{ certificate: x509.X509Certificate; keys: CryptoKeyPair }> {
  const keys = await generateKeyPair();
  const notBefore = new Date(Date.now() - 60_000);
  const certificate = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerialNumber(),
    name: `CN=mesh root CA, O=${trustDomain}`,
    notBefore,
    notAfter: new Date(notBefore.getTime() + ROOT_LIFETIME_MS),
    keys,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      new x509.SubjectAlternativeNameExtension([{ type: "url", value: `spiffe://${trustDomain}` }]),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { certificate, keys };
}
