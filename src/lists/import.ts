// Importing the operator's list files into the database as a list set: by `npm run
// lists:import` and by the bot at start.
import type { ListSetSummary } from "../domain/party-matching.js";
import type { StoreClient } from "../store/types.js";
import { newestListSet, saveListSet } from "../store/lists.js";
import { formatListProblem, type ListProblem } from "./problems.js";
import { hashListFiles, readListFiles } from "./read.js";

export type ListImport =
  /** a new set, now in force */
  | { kind: "imported"; set: ListSetSummary }
  /** the files hold the set already in force: nothing changed */
  | { kind: "unchanged"; set: ListSetSummary }
  /** the files hold an older set: it is in force again */
  | { kind: "reactivated"; set: ListSetSummary }
  /** a file is missing or malformed: nothing changed */
  | { kind: "invalid"; problems: ListProblem[]; inForce: ListSetSummary | null };

/**
 * Imports the files as one list set unless the set in force has the same content. When any
 * file is missing or malformed, nothing is imported and the set in force stays.
 */
export async function importListFiles(db: StoreClient, paths: readonly string[], now: Date = new Date()): Promise<ListImport> {
  // The hash of the bytes first: when nothing changed (every start, usually), nothing is parsed.
  const hashed = await hashListFiles(paths);
  if (!hashed.ok) return { kind: "invalid", problems: hashed.problems, inForce: await newestListSet(db) };
  const inForce = await newestListSet(db);
  if (inForce?.contentHash === hashed.contentHash) return { kind: "unchanged", set: inForce };
  const read = await readListFiles(paths);
  if (!read.ok) return { kind: "invalid", problems: read.problems, inForce };
  const saved = await saveListSet(db, read.content, now);
  return { kind: saved.created ? "imported" : saved.reactivated ? "reactivated" : "unchanged", set: saved.set };
}

/** "3 files, 20,000 entries (Entity List (EL) - …: 600, …)" */
export function describeListSet(set: ListSetSummary): string {
  const lists = Object.entries(set.entryCounts)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([source, n]) => `${source}: ${n.toLocaleString("en-US")}`)
    .join("; ");
  const files = set.files.map((f) => f.name).join(", ");
  return `${set.entryCount.toLocaleString("en-US")} entries from ${files} (${lists})`;
}

/** What start-up logging needs (src/services/context.ts Logger fits it). */
export interface ListLogger {
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/**
 * At start: imports SCREENING_LISTS when the files differ from the set in force. Broken files do
 * not stop the bot: the problems are logged, one line each, and the set in force stays in force
 * (the log says which, or that there is none and parties go unscreened until the files are
 * fixed). Refusing to start would stop every screening, and a list set a few days older is
 * safer than none. Returns the set in force afterwards (null: none).
 */
export async function importListsAtStart(db: StoreClient, paths: readonly string[], log: ListLogger): Promise<ListSetSummary | null> {
  if (paths.length === 0) {
    log.info("no restricted-party lists configured (SCREENING_LISTS is unset): parties are not screened against lists");
    return null;
  }
  const result = await importListFiles(db, paths);
  const fields = (set: ListSetSummary) => ({ set: set.contentHash.slice(0, 12), entries: set.entryCount, files: set.files.map((f) => f.name), importedAt: set.importedAt.toISOString() });
  switch (result.kind) {
    case "imported":
      log.info("restricted-party lists imported", fields(result.set));
      return result.set;
    case "reactivated":
      log.info("restricted-party lists imported before are in force again", fields(result.set));
      return result.set;
    case "unchanged":
      log.info("restricted-party lists in force", fields(result.set));
      return result.set;
    case "invalid":
      for (const p of result.problems) log.error("restricted-party list file problem", { problem: formatListProblem(p) });
      if (result.inForce) {
        log.warn("restricted-party lists not imported (see the problems above): keeping the list set in force", fields(result.inForce));
      } else {
        log.warn("restricted-party lists not imported (see the problems above) and none was imported before: parties are not screened against lists until the files are fixed");
      }
      return result.inForce;
  }
}
