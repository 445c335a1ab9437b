import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { generateToken, type TokenKind } from "./tokens.ts";

/**
 * The bootstrap token: the one given (option or env), else the one stored in the data dir,
 * else a new one written there with mode 0600. `generated` says whether it was just made.
 */
export async function loadBootstrapToken(dataDir: string, fileName: string, kind: TokenKind, given: string | undefined): Promise<{ token: string; generated: boolean; file: string }> {
  const file = join(dataDir, fileName);
  if (given) return { token: given, generated: false, file };
  const stored = await readFile(file, "utf8").then((text) => text.trim(), () => "");
  if (stored) return { token: stored, generated: false, file };
  const token = generateToken(kind);
  await writeFile(file, `${token}\n`, { mode: 0o600, flag: "wx" });
  return { token, generated: true, file };
}
