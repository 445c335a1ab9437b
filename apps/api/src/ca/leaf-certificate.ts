import { EC_P256, randomSerialNumber, x509, type CryptoKey } from "./x509.ts";

export interface SigningCa {
  certificate: x509.X509Certificate;
  signingKey: CryptoKey;
}

export interface LeafRequest {
  publicKey: x509.PublicKeyType;
  subject: string;
  names: x509.JsonGeneralNames;
  extendedKeyUsages: x509.ExtendedKeyUsage[];
  lifetimeMs: number;
}

/** An end-entity certificate signed by the CA; backdated a minute so small clock skew does not reject it. */
export async function issueLeafCertificate(ca: SigningCa, request: LeafRequest): Promise<x509.X509Certificate> {
  const notBefore = new Date(Date.now() - 60_000);
  const notAfter = new Date(notBefore.getTime() + 60_000 + request.lifetimeMs);
  return x509.X509CertificateGenerator.create({
    serialNumber: randomSerialNumber(),
    subject: request.subject,
    issuer: ca.certificate.subject,
    notBefore,
    notAfter,
    publicKey: request.publicKey,
    signingKey: ca.signingKey,
    signingAlgorithm: EC_P256,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyAgreement, true),
      new x509.ExtendedKeyUsageExtension(request.extendedKeyUsages),
      new x509.SubjectAlternativeNameExtension(request.names),
      await x509.SubjectKeyIdentifierExtension.create(request.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(ca.certificate),
    ],
  });
}
