// How every CLI finds and opens the database: DATABASE_URL (a postgresql:// URL) or the embedded
// database in DATA_DIR (default ./data), a wrong kind of URL refused before anything is opened,
// and a failure said in one line without the URL's password.
import { isPostgresUrl, openDatabase, type Database } from "../store/database.js";

export interface DatabaseLocation {
  /** undefined: the embedded database */
  url: string | undefined;
  dataDir: string;
}

export function databaseLocation(env: Readonly<Record<string, string | undefined>>): { ok: true; location: DatabaseLocation } | { ok: false; problem: string } {
  const url = env.DATABASE_URL?.trim() || undefined;
  if (url !== undefined && !isPostgresUrl(url)) return { ok: false, problem: "DATABASE_URL must be a postgresql:// URL (unset it to use the embedded database in ./data)" };
  return { ok: true, location: { url, dataDir: env.DATA_DIR?.trim() || "./data" } };
}

/**
 * Opens the database for `command` (its name starts every line written), or writes why it could
 * not and returns null; the caller picks the exit code.
 */
export async function openCliDatabase(command: string, env: Readonly<Record<string, string | undefined>>, stderr: (line: string) => void): Promise<Database | null> {
  const where = databaseLocation(env);
  if (!where.ok) {
    stderr(`${command}: ${where.problem}`);
    return null;
  }
  const { url, dataDir } = where.location;
  try {
    return await openDatabase({ url, dataDir });
  } catch (err) {
    stderr(redact(`${command}: cannot open the database: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, " ") : String(err)}`, url));
    return null;
  }
}

/** `text` without the password of a postgres URL, in it or on its own (plain or URL-encoded). */
export function redact(text: string, url: string | undefined): string {
  let out = text.replace(/(postgres(?:ql)?:\/\/[^:/@\s]*:)[^@\s]+@/gi, "$1[redacted]@");
  const password = url === undefined ? "" : passwordOf(url);
  if (password.length > 0) {
    for (const form of new Set([password, encodeURIComponent(password)])) out = out.split(form).join("[redacted]");
  }
  return out;
}

function passwordOf(url: string): string {
  try {
    return decodeURIComponent(new URL(url).password);
  } catch {
    return "";
  }
}
