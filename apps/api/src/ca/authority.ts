import { spiffeId, type CertificateOutput } from "@mesh/shared";
import type { PrismaClient } from "../db/generated/client.ts";
import { verifyAgentCsr } from "./agent-csr.ts";
import { CertificateRequestError } from "./errors.ts";
import { CA_KEY_FILE, readCaKeyFile, writeCaKeyFile } from "./key-store.ts";
import { issueLeafCertificate, type SigningCa } from "./leaf-certificate.ts";
import { createRootCertificate } from "./root-certificate.ts";
import { EC_P256, generateKeyPair, privateKeyFromPem, privateKeyToPem, x509, type CryptoKey } from "./x509.ts";
import { isIP } from "node:net";
import { webcrypto } from "node:crypto";

const ROOT_ID = "root";
const AGENT_CERTIFICATE_LIFETIME_MS = 24 * 3600 * 1000;
const SERVER_CERTIFICATE_LIFETIME_MS = 365 * 24 * 3600 * 1000;

/**
 * Where the root key lives. "file" (default): only in <dataDir>/ca-key.pem, mode 0600, never in the database, so a
 * database dump cannot mint identities; every replica that should sign needs that file in its data dir.
 * "database": in the CertificateAuthority row, so replicas with separate data dirs all sign (Consul's choice);
 * chosen when the CA is first created, with MESH_CA_KEY_STORAGE=database.
 */
export type CaKeyStorage = "file" | "database";

export interface AuthorityOptions {
  prisma: PrismaClient;
  dataDir: string;
  trustDomain: string;
  keyStorage?: CaKeyStorage;
}

export interface ServerCertificate {
  certificatePem: string;
  keyPem: string;
}

export interface CertificateAuthority {
  trustDomain: string;
  caPem: string;
  notBefore: Date;
  notAfter: Date;
  /** Where this replica found the signing key; null when it has none and cannot sign. */
  keySource: CaKeyStorage | null;
  /** A 24 h certificate for `spiffe://<trustDomain>/service/<service>`; refuses CSRs asking for any other name. */
  signAgentCsr(request: { csrPem: string; service: string; instanceId: string | null }): Promise<CertificateOutput>;
  /** A key and a serverAuth certificate for the DNS names (or IP addresses), e.g. for the admission webhook. */
  issueServerCertificate(dnsNames: string[]): Promise<ServerCertificate>;
}

export async function loadOrCreateAuthority(options: AuthorityOptions): Promise<CertificateAuthority> {
  const { prisma, dataDir, trustDomain } = options;
  const keyStorage = options.keyStorage ?? caKeyStorageFromEnv();
  const row = (await prisma.certificateAuthority.findUnique({ where: { id: ROOT_ID } })) ?? (await createRoot(options, keyStorage));
  if (row.trustDomain !== trustDomain) {
    throw new Error(`the mesh CA in the database is for trust domain "${row.trustDomain}", but this control plane was started with "${trustDomain}"`);
  }
  const certificate = new x509.X509Certificate(row.certificatePem);
  const fileKeyPem = row.keyPem === null ? await readCaKeyFile(dataDir) : null;
  const keyPem = row.keyPem ?? fileKeyPem;
  const signingKey = keyPem === null ? null : await privateKeyFromPem(keyPem);
  if (signingKey) await assertKeyMatches(signingKey, certificate, dataDir);
  const ca: SigningCa | null = signingKey ? { certificate, signingKey } : null;
  const caPem = certificate.toString("pem");

  const requireCa = (): SigningCa => {
    if (ca) return ca;
    throw new CertificateRequestError(
      "PRECONDITION_FAILED",
      `this control plane replica cannot sign: ${dataDir}/${CA_KEY_FILE} is missing and the CA key is not stored in the database; ` +
        `copy ${CA_KEY_FILE} from the replica that created the CA, or create the CA with MESH_CA_KEY_STORAGE=database`,
    );
  };

  return {
    trustDomain,
    caPem,
    notBefore: certificate.notBefore,
    notAfter: certificate.notAfter,
    keySource: signingKey ? (row.keyPem !== null ? "database" : "file") : null,

    async signAgentCsr({ csrPem, service, instanceId }) {
      const signer = requireCa();
      const identity = spiffeId(trustDomain, service);
      const publicKey = await verifyAgentCsr(csrPem, identity);
      const issued = await issueLeafCertificate(signer, {
        publicKey,
        subject: `CN=${service}, O=${trustDomain}`,
        names: [{ type: "url", value: identity }],
        extendedKeyUsages: [x509.ExtendedKeyUsage.serverAuth, x509.ExtendedKeyUsage.clientAuth],
        lifetimeMs: AGENT_CERTIFICATE_LIFETIME_MS,
      });
      await prisma.issuedCertificate.create({
        data: { serial: issued.serialNumber, identity, service, instanceId, notBefore: issued.notBefore, notAfter: issued.notAfter },
      });
      return { certificatePem: issued.toString("pem"), caPem, notAfter: issued.notAfter.toISOString() };
    },

    async issueServerCertificate(dnsNames) {
      const signer = requireCa();
      if (dnsNames.length === 0) throw new CertificateRequestError("BAD_REQUEST", "a server certificate needs at least one DNS name");
      const keys = await generateKeyPair();
      const issued = await issueLeafCertificate(signer, {
        publicKey: keys.publicKey,
        subject: `CN=${dnsNames[0]}`,
        names: dnsNames.map((name) => ({ type: isIP(name) ? "ip" : "dns", value: name })),
        extendedKeyUsages: [x509.ExtendedKeyUsage.serverAuth],
        lifetimeMs: SERVER_CERTIFICATE_LIFETIME_MS,
      });
      return { certificatePem: issued.toString("pem"), keyPem: await privateKeyToPem(keys.privateKey) };
    },
  };
}

function caKeyStorageFromEnv(): CaKeyStorage {
  const value = process.env.MESH_CA_KEY_STORAGE ?? "file";
  if (value !== "file" && value !== "database") throw new Error(`MESH_CA_KEY_STORAGE must be "file" or "database", got "${value}"`);
  return value;
}

/** Creates the root once; replicas starting together race on the row's primary key and the losers load the winner's. */
async function createRoot({ prisma, dataDir, trustDomain }: AuthorityOptions, keyStorage: CaKeyStorage) {
  const { certificate, keys } = await createRootCertificate(trustDomain);
  const keyPem = await privateKeyToPem(keys.privateKey);
  await prisma.$transaction(async (tx) => {
    const created = await tx.certificateAuthority.createMany({
      data: {
        id: ROOT_ID,
        trustDomain,
        certificatePem: certificate.toString("pem"),
        keyPem: keyStorage === "database" ? keyPem : null,
        notBefore: certificate.notBefore,
        notAfter: certificate.notAfter,
      },
      skipDuplicates: true,
    });
    // Inside the transaction: if the file cannot be written, no CA row without a key is left behind.
    if (created.count === 1 && keyStorage === "file") await writeCaKeyFile(dataDir, keyPem);
  });
  return prisma.certificateAuthority.findUniqueOrThrow({ where: { id: ROOT_ID } });
}

async function assertKeyMatches(signingKey: CryptoKey, certificate: x509.X509Certificate, dataDir: string): Promise<void> {
  const probe = new TextEncoder().encode("mesh-ca-key-check");
  const signature = await webcrypto.subtle.sign(EC_P256, signingKey, probe);
  const publicKey = await certificate.publicKey.export();
  if (!(await webcrypto.subtle.verify(EC_P256, publicKey, signature, probe))) {
    throw new Error(`the CA key (${dataDir}/${CA_KEY_FILE} or database) does not belong to the CA certificate in the database`);
  }
}
