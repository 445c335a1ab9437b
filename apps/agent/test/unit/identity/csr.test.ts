import { describe, expect, it } from "vitest";
import { createPrivateKey } from "node:crypto";
import { x509 } from "../../../src/identity/x509.ts";
import { createCsrPem } from "../../../src/identity/csr.ts";
import { generateKeyPair } from "../../../src/identity/key-pair.ts";

describe("workload CSR", () => {
  it("carries the SPIFFE ID as SAN URI and subject CN, signed by the agent's own P-256 key", async () => {
    const { keys, privateKeyPem } = await generateKeyPair();
    const pem = await createCsrPem(keys, "spiffe://mesh.local/service/reviews");

    const csr = new x509.Pkcs10CertificateRequest(pem);
    const san = csr.getExtension("2.5.29.17") as InstanceType<typeof x509.SubjectAlternativeNameExtension> | null;
    expect(san?.names.toJSON()).toEqual([{ type: "url", value: "spiffe://mesh.local/service/reviews" }]);
    expect(csr.subject).toBe("CN=spiffe://mesh.local/service/reviews");
    expect(await csr.verify()).toBe(true);

    const key = createPrivateKey(privateKeyPem);
    expect(key.asymmetricKeyType).toBe("ec");
    expect(key.asymmetricKeyDetails?.namedCurve).toBe("prime256v1");
  });

  it("uses a different key for every pair generated", async () => {
    const [a, b] = await Promise.all([generateKeyPair(), generateKeyPair()]);
    expect(a.privateKeyPem).not.toBe(b.privateKeyPem);
  });
});
