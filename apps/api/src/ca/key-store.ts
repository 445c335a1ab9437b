import { chmod, mkdir, readFile, rename, writeFile } from "node:fs/promises";
import path from "node:path";

export const CA_KEY_FILE = "ca-key.pem";

/** Writes the CA key readable by this user only, atomically, so a crash never leaves half a key. */
export async function writeCaKeyFile(dataDir: string, keyPem: string): Promise<void> {
  await mkdir(dataDir, { recursive: true });
  const target = path.join(dataDir, CA_KEY_FILE);
  const temporary = `${target}.${process.pid}.tmp`;
  await writeFile(temporary, keyPem, { mode: 0o600 });
  await chmod(temporary, 0o600);
  await rename(temporary, target);
}

/** The CA key from the data dir, or null when this data dir has none. */
export async function readCaKeyFile(dataDir: string): Promise<string | null> {
  try {
    return await readFile(path.join(dataDir, CA_KEY_FILE), "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
}
