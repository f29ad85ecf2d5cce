// `npm run lists:import [-- FILE...]`: imports the restricted-party list files (US Consolidated
// Screening List, CSV or JSON) into the database as a list set: the files named, or else those
// in $SCREENING_LISTS. Into $DATABASE_URL (a PostgreSQL server) or, when it is unset, the
// embedded database in $DATA_DIR (default ./data), like `npm run db:migrate`; the bot must not be
// running on an embedded database (one process at a time), a running bot on a server picks the
// new set up at its next screening.
// Prints what was imported, or that the set in force already has this content (nothing
// changed). Any missing or malformed file: every problem as `file:line: what is wrong` on
// stderr, nothing imported, exit 1.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { describeListSet, importListFiles } from "../lists/import.js";
import { createListIndexCache } from "../lists/index-cache.js";
import { formatProblem, loadRuleSet } from "../rules/load.js";
import { rescreenAfterNewListSet } from "../services/party-screening.js";
import { formatListProblem } from "../lists/problems.js";
import type { Database } from "../store/database.js";
import { databaseLocation, openCliDatabase, redact } from "./cli-database.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const USAGE = "usage: npm run lists:import [-- FILE.csv|FILE.json ...]   (default: the files in $SCREENING_LISTS, comma-separated)";

export async function listsImportCli(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  const unknown = args.find((a) => a.startsWith("-"));
  if (unknown !== undefined) {
    io.stderr(`unknown option ${unknown}\n${USAGE}`);
    return 2;
  }
  const fromEnv = (env.SCREENING_LISTS ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  const paths = args.length > 0 ? [...args] : fromEnv;
  if (paths.length === 0) {
    io.stderr(`lists:import: which files? Name them, or set SCREENING_LISTS.\n${USAGE}`);
    return 2;
  }
  const where = databaseLocation(env);
  if (!where.ok) {
    io.stderr(`lists:import: ${where.problem}`);
    return 2;
  }
  const db = await openCliDatabase("lists:import", env, io.stderr);
  if (!db) return 1;
  try {
    const result = await importListFiles(db.prisma, paths);
    const short = (hash: string) => hash.slice(0, 12);
    switch (result.kind) {
      case "invalid":
        io.stderr(`lists:import: ${result.problems.length} ${result.problems.length === 1 ? "problem" : "problems"}; nothing imported:`);
        for (const p of result.problems) io.stderr(formatListProblem(p));
        if (result.inForce) io.stderr(`The list set in force stays: ${short(result.inForce.contentHash)}, imported ${result.inForce.importedAt.toISOString()}.`);
        return 1;
      case "imported":
        io.stdout(`imported list set ${short(result.set.contentHash)}: ${describeListSet(result.set)}`);
        return await rescreen(db, env, io);
      case "reactivated":
        io.stdout(`list set ${short(result.set.contentHash)} (imported ${result.set.importedAt.toISOString()}) is in force again: ${describeListSet(result.set)}`);
        return await rescreen(db, env, io);
      case "unchanged":
        io.stdout(`list set ${short(result.set.contentHash)} is already in force (imported ${result.set.importedAt.toISOString()}): nothing changed`);
        return 0;
    }
  } catch (err) {
    io.stderr(redact(`lists:import: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, " ") : String(err)}`, env.DATABASE_URL));
    return 1;
  } finally {
    await db.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await listsImportCli(process.argv.slice(2), process.env, io);
}

/**
 * Screens again, against the set now in force, the screenings with compliance and those approved
 * in the last year; new potential matches are queued for the compliance channel (the bot posts
 * them). Needs the rule set ($RULES_DIR, default ./rules) to score them again.
 */
async function rescreen(db: Database, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const rules = await loadRuleSet(env.RULES_DIR?.trim() || "./rules");
  if (!rules.ok) {
    io.stderr("lists:import: the list set is imported, but the rule set is invalid, so nothing was screened again (run npm run rules:check):");
    for (const p of rules.problems) io.stderr(formatProblem(p));
    return 1;
  }
  const lists = createListIndexCache(db.prisma);
  const inForce = await lists.current();
  if (!inForce) return 0;
  const quiet = { info: () => {}, warn: () => {}, error: (message: string) => io.stderr(`lists:import: ${message}`) };
  const summary = await rescreenAfterNewListSet(
    { prisma: db.prisma, sql: db.sql, ruleSet: rules.ruleSet, complianceChannelId: env.COMPLIANCE_CHANNEL_ID ?? "", now: () => new Date(), log: quiet, onDeliveriesEnqueued: () => {}, partyLists: lists },
    inForce,
  );
  io.stdout(
    summary.withNewMatches.length === 0
      ? `screened ${summary.screened} open or recently approved ${summary.screened === 1 ? "screening" : "screenings"} again: no new potential match`
      : `screened ${summary.screened} open or recently approved screenings again: new potential matches in ${summary.withNewMatches.join(", ")} (the bot posts them to the compliance channel)`,
  );
  return 0;
}
