import { webcrypto } from "node:crypto";

export interface AgentKeyPair {
  keys: webcrypto.CryptoKeyPair;
  /** PKCS#8 PEM of the private key, for node:tls. */
  privateKeyPem: string;
}

const EC_P256: webcrypto.EcKeyGenParams = { name: "ECDSA", namedCurve: "P-256" };

/** A fresh ECDSA P-256 key pair; generated in this process so the private key never leaves it. */
export async function generateKeyPair(): Promise<AgentKeyPair> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  return { keys, privateKeyPem: await exportPrivateKeyPem(keys.privateKey) };
}

async function exportPrivateKeyPem(key: webcrypto.CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey("pkcs8", key));
  const lines = der.toString("base64").match(/.{1,64}/g) ?? [];
  return `-----BEGIN PRIVATE KEY-----\n${lines.join("\n")}\n-----END PRIVATE KEY-----\n`;
}
