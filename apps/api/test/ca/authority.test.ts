import { createPrivateKey, webcrypto, X509Certificate as NodeX509Certificate } from "node:crypto";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createTestDatabase, type TestDatabase } from "@mesh/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CA_KEY_FILE, CertificateRequestError, loadOrCreateAuthority } from "../../src/ca/index.ts";
import { EC_P256, generateKeyPair, x509, type CryptoKeyPair } from "../../src/ca/x509.ts";
import { createPrisma, type PrismaClient } from "../../src/db/client.ts";
import { migrate } from "../../src/db/migrate.ts";

const TRUST_DOMAIN = "mesh.test";

async function csrFor(names: x509.JsonGeneralNames, keys?: CryptoKeyPair): Promise<string> {
  const csr = await x509.Pkcs10CertificateRequestGenerator.create({
    name: "CN=agent",
    keys: keys ?? (await generateKeyPair()),
    signingAlgorithm: EC_P256,
    extensions: [new x509.SubjectAlternativeNameExtension(names)],
  });
  return csr.toString("pem");
}

async function refusal(promise: Promise<unknown>): Promise<CertificateRequestError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CertificateRequestError);
  return error as CertificateRequestError;
}

describe("certificate authority", () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  const dirs: string[] = [];
  const dataDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), "mesh-ca-"));
    dirs.push(dir);
    return dir;
  };

  beforeAll(async () => {
    database = await createTestDatabase("mesh_ca");
    await migrate(database.url);
    prisma = createPrisma(database.url);
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates the root once, keeps its key only in a 0600 file, and reloads the same CA on restart", async () => {
    const dir = await dataDir();
    const first = await loadOrCreateAuthority({ prisma, dataDir: dir, trustDomain: TRUST_DOMAIN });
    const keyFile = await stat(join(dir, CA_KEY_FILE));
    expect(keyFile.mode & 0o777).toBe(0o600);
    const row = await prisma.certificateAuthority.findFirstOrThrow();
    expect(row.keyPem).toBeNull();
    expect(row.certificatePem).toBe(first.caPem);

    const root = new NodeX509Certificate(first.caPem);
    expect(root.ca).toBe(true);
    expect(root.publicKey.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
    const lifetimeYears = (first.notAfter.getTime() - first.notBefore.getTime()) / (365 * 24 * 3600 * 1000);
    expect(lifetimeYears).toBeGreaterThan(9.9);

    const restarted = await loadOrCreateAuthority({ prisma, dataDir: dir, trustDomain: TRUST_DOMAIN });
    expect(restarted.caPem).toBe(first.caPem);
    expect(restarted.keySource).toBe("file");
    expect(await prisma.certificateAuthority.count()).toBe(1);
  });

  it("signs an agent CSR: 24 h, verifies against the CA, carries only the SPIFFE SAN and both TLS usages", async () => {
    const authority = await loadOrCreateAuthority({ prisma, dataDir: dirs[0]!, trustDomain: TRUST_DOMAIN });
    const keys = await generateKeyPair();
    const output = await authority.signAgentCsr({
      csrPem: await csrFor([{ type: "url", value: "spiffe://mesh.test/service/reviews" }], keys),
      service: "reviews",
      instanceId: null,
    });
    expect(output.caPem).toBe(authority.caPem);

    const leaf = new NodeX509Certificate(output.certificatePem);
    const root = new NodeX509Certificate(authority.caPem);
    expect(leaf.verify(root.publicKey)).toBe(true);
    expect(leaf.checkIssued(root)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.subjectAltName).toBe("URI:spiffe://mesh.test/service/reviews");
    expect(leaf.keyUsage).toEqual(expect.arrayContaining(["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"]));
    const lifetimeHours = (Date.parse(leaf.validTo) - Date.parse(leaf.validFrom)) / 3600_000;
    expect(lifetimeHours).toBeGreaterThanOrEqual(24);
    expect(lifetimeHours).toBeLessThanOrEqual(24.1);
    expect(new Date(output.notAfter).getTime()).toBe(Date.parse(leaf.validTo));
    // The certificate is for the key in the CSR (the private key never left the agent).
    const spki = Buffer.from(await webcrypto.subtle.exportKey("spki", keys.publicKey));
    expect(leaf.publicKey.export({ type: "spki", format: "der" }).equals(spki)).toBe(true);

    const recorded = await prisma.issuedCertificate.findUniqueOrThrow({ where: { serial: new x509.X509Certificate(output.certificatePem).serialNumber } });
    expect(recorded).toMatchObject({ identity: "spiffe://mesh.test/service/reviews", service: "reviews" });
    expect(recorded.notAfter.toISOString()).toBe(output.notAfter);
  });

  it("refuses a CSR for another identity, an extra name, another trust domain or no SAN", async () => {
    const authority = await loadOrCreateAuthority({ prisma, dataDir: dirs[0]!, trustDomain: TRUST_DOMAIN });
    const sign = (csrPem: string) => authority.signAgentCsr({ csrPem, service: "reviews", instanceId: null });

    const other = await refusal(sign(await csrFor([{ type: "url", value: "spiffe://mesh.test/service/ratings" }])));
    expect(other.code).toBe("FORBIDDEN");
    expect(other.message).toContain("spiffe://mesh.test/service/reviews");
    expect(other.message).toContain("spiffe://mesh.test/service/ratings");

    const extra = await refusal(
      sign(await csrFor([{ type: "url", value: "spiffe://mesh.test/service/reviews" }, { type: "dns", value: "ratings.internal" }])),
    );
    expect(extra.code).toBe("FORBIDDEN");
    expect(extra.message).toContain("dns:ratings.internal");

    expect((await refusal(sign(await csrFor([{ type: "url", value: "spiffe://other.test/service/reviews" }])))).code).toBe("FORBIDDEN");
    const none = await refusal(sign(await csrFor([])));
    expect(none.code).toBe("BAD_REQUEST");
    expect(none.message).toContain("subject alternative name");
  });

  it("refuses a CSR that is not PEM, has a broken signature or a key other than EC P-256", async () => {
    const authority = await loadOrCreateAuthority({ prisma, dataDir: dirs[0]!, trustDomain: TRUST_DOMAIN });
    const sign = (csrPem: string) => authority.signAgentCsr({ csrPem, service: "reviews", instanceId: null });
    const spiffe: x509.JsonGeneralNames = [{ type: "url", value: "spiffe://mesh.test/service/reviews" }];

    const garbage = await refusal(sign("not a certificate request"));
    expect(garbage.code).toBe("BAD_REQUEST");
    expect(garbage.message).toContain("PKCS#10");

    // The signed body altered after signing (subject CN=agent -> CN=agenT): proof of possession fails.
    const der = Buffer.from(new x509.Pkcs10CertificateRequest(await csrFor(spiffe)).rawData);
    const at = der.indexOf("agent");
    expect(at).toBeGreaterThan(0);
    der[at + 4] = "T".charCodeAt(0);
    const broken = await refusal(sign(x509.PemConverter.encode(der, "CERTIFICATE REQUEST")));
    expect(broken.code).toBe("BAD_REQUEST");
    expect(broken.message).toContain("signature does not verify");

    const p384 = { name: "ECDSA", namedCurve: "P-384", hash: "SHA-384" };
    const p384Keys = await webcrypto.subtle.generateKey(p384, true, ["sign", "verify"]);
    const p384Csr = await x509.Pkcs10CertificateRequestGenerator.create({
      keys: p384Keys,
      signingAlgorithm: p384,
      extensions: [new x509.SubjectAlternativeNameExtension(spiffe)],
    });
    const wrongCurve = await refusal(sign(p384Csr.toString("pem")));
    expect(wrongCurve.code).toBe("BAD_REQUEST");
    expect(wrongCurve.message).toContain("ECDSA P-256, got ECDSA P-384");
  });

  it("issues a webhook server certificate for DNS names", async () => {
    const authority = await loadOrCreateAuthority({ prisma, dataDir: dirs[0]!, trustDomain: TRUST_DOMAIN });
    const { certificatePem, keyPem } = await authority.issueServerCertificate(["mesh-inject.mesh-system.svc", "127.0.0.1"]);
    const leaf = new NodeX509Certificate(certificatePem);
    expect(leaf.verify(new NodeX509Certificate(authority.caPem).publicKey)).toBe(true);
    expect(leaf.subjectAltName).toBe("DNS:mesh-inject.mesh-system.svc, IP Address:127.0.0.1");
    expect(leaf.checkPrivateKey(createPrivateKey(keyPem))).toBe(true);
  });

  it("a replica whose data dir lacks the key loads the CA but refuses to sign, saying how to fix it", async () => {
    const replica = await loadOrCreateAuthority({ prisma, dataDir: await dataDir(), trustDomain: TRUST_DOMAIN });
    expect(replica.keySource).toBeNull();
    const refused = await refusal(
      replica.signAgentCsr({ csrPem: await csrFor([{ type: "url", value: "spiffe://mesh.test/service/reviews" }]), service: "reviews", instanceId: null }),
    );
    expect(refused.code).toBe("PRECONDITION_FAILED");
    expect(refused.message).toContain("MESH_CA_KEY_STORAGE=database");
  });

  it("refuses to start with a trust domain other than the CA's", async () => {
    await expect(loadOrCreateAuthority({ prisma, dataDir: dirs[0]!, trustDomain: "other.test" })).rejects.toThrow(/trust domain "mesh.test"/);
  });
});

describe("certificate authority with its key in the database", () => {
  let database: TestDatabase;
  let prisma: PrismaClient;
  const dirs: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase("mesh_ca_db");
    await migrate(database.url);
    prisma = createPrisma(database.url);
    dirs.push(await mkdtemp(join(tmpdir(), "mesh-ca-")), await mkdtemp(join(tmpdir(), "mesh-ca-")));
  });
  afterAll(async () => {
    await prisma?.$disconnect();
    await database?.drop();
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("replicas created together agree on one CA, and each one signs", async () => {
    const [a, b] = await Promise.all(dirs.map((dir) => loadOrCreateAuthority({ prisma, dataDir: dir, trustDomain: TRUST_DOMAIN, keyStorage: "database" })));
    expect(a!.caPem).toBe(b!.caPem);
    expect(await prisma.certificateAuthority.count()).toBe(1);
    await expect(stat(join(dirs[0]!, CA_KEY_FILE))).rejects.toThrow(/ENOENT/);
    for (const replica of [a!, b!]) {
      expect(replica.keySource).toBe("database");
      const { certificatePem } = await replica.signAgentCsr({
        csrPem: await csrFor([{ type: "url", value: "spiffe://mesh.test/service/ratings" }]),
        service: "ratings",
        instanceId: null,
      });
      expect(new NodeX509Certificate(certificatePem).verify(new NodeX509Certificate(a!.caPem).publicKey)).toBe(true);
    }
  });
});
