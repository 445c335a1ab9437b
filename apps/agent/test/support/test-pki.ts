import { webcrypto } from "node:crypto";
import { spiffeId } from "@mesh/shared";
import { x509 } from "../../src/identity/x509.ts";
import type { TlsCredentials } from "../../src/state.ts";

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const EC = { name: "ECDSA", namedCurve: "P-256" } as const;
const SIGNING = { name: "ECDSA", hash: "SHA-256" } as const;
const DAY = 86_400_000;

/** A throwaway mesh CA for tests and benchmarks, issuing agent certificates like the control plane's. */
export interface TestPki {
  trustDomain: string;
  caPem: string;
  /** Key and certificate whose SAN URI is spiffe://<trustDomain>/service/<service>. */
  issue(service: string): Promise<TlsCredentials>;
}

export async function createTestPki(trustDomain = "mesh.local"): Promise<TestPki> {
  const caKeys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=test mesh CA ${trustDomain}`,
    keys: caKeys,
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + DAY),
    signingAlgorithm: SIGNING,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
    ],
  });
  const caPem = ca.toString("pem");
  return {
    trustDomain,
    caPem,
    async issue(service) {
      const keys = (await webcrypto.subtle.generateKey(EC, true, ["sign", "verify"])) as CryptoKeyPair;
      const notAfter = new Date(Date.now() + DAY);
      const certificate = await x509.X509CertificateGenerator.create({
        subject: `CN=${service}`,
        issuer: ca.subject,
        publicKey: keys.publicKey,
        signingKey: caKeys.privateKey,
        notBefore: new Date(Date.now() - 60_000),
        notAfter,
        signingAlgorithm: SIGNING,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
          new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth]),
          new x509.SubjectAlternativeNameExtension([{ type: "url", value: spiffeId(trustDomain, service) }]),
        ],
      });
      const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
      return { keyPem: toPem("PRIVATE KEY", pkcs8), certificatePem: certificate.toString("pem"), caPem, notAfter };
    },
  };
}

function toPem(label: string, der: ArrayBuffer): string {
  const base64 = Buffer.from(der).toString("base64").replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${base64.trimEnd()}\n-----END ${label}-----\n`;
}
