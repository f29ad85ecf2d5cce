// `npm run records:delete -- DD-2026-0007 [--yes]`: deletes a screening's record as far as the
// retention policy allows (src/domain/records-retention.ts). Inside the retention period
// (RECORDS_RETENTION_YEARS after its last change, default 5), or while it still waits for a
// decision, the attempt is refused, recorded in the audit trail, and nothing changes. After the
// period it says what deleting would erase, and erases it with --yes: the record's content
// (answers with their history, drafts, scoring, decision rationales and written conditions,
// match-resolution reasons), keeping its reference, dates, outcome and the whole audit trail.
// From $DATABASE_URL, or the embedded database in $DATA_DIR (stop the bot first); reads the rule
// set in $RULES_DIR (default ./rules) like the bot.
// Exit 0: erased, already erased, or what would be erased was shown. Exit 1: refused. Exit 2:
// usage, configuration or database problem.
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { recordsRetentionYears } from "../config/env.js";
import { formatProblem, loadRuleSet } from "../rules/load.js";
import { ServiceError } from "../services/errors.js";
import { deleteRecord } from "../services/records-retention.js";
import { normaliseReference } from "../services/records-export.js";
import type { Database } from "../store/database.js";
import { cliActor, type CliIo } from "./export.js";
import { openCliDatabase, redact } from "./cli-database.js";

export const RECORDS_DELETE_USAGE = "usage: npm run records:delete -- DD-2026-0007 [--yes]   (without --yes: says what would be erased, erases nothing)";

const DAY = (iso: Date) => iso.toISOString().slice(0, 10);

export async function recordsDeleteCli(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo, opts: { database?: Database; now?: () => Date } = {}): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(RECORDS_DELETE_USAGE);
    return 0;
  }
  const confirmed = argv.includes("--yes");
  const unknown = argv.find((a) => a.startsWith("-") && a !== "--yes");
  const refs = argv.filter((a) => !a.startsWith("-"));
  if (unknown !== undefined) {
    io.stderr(`records:delete: unknown option ${JSON.stringify(unknown.slice(0, 40))}\n${RECORDS_DELETE_USAGE}`);
    return 2;
  }
  if (refs.length !== 1) {
    io.stderr(`records:delete: ${refs.length === 0 ? "which screening? Give its reference" : "one reference at a time"}\n${RECORDS_DELETE_USAGE}`);
    return 2;
  }
  const reference = normaliseReference(refs[0] ?? "");
  if (!reference) {
    io.stderr(`records:delete: ${JSON.stringify((refs[0] ?? "").slice(0, 40))} is not a screening reference: references look like DD-2026-0007\n${RECORDS_DELETE_USAGE}`);
    return 2;
  }
  const retention = recordsRetentionYears(env);
  if (!retention.ok) {
    io.stderr(`records:delete: ${retention.problem}`);
    return 2;
  }
  const rulesDir = env.RULES_DIR?.trim() || "./rules";
  const rules = await loadRuleSet(rulesDir);
  if (!rules.ok) {
    io.stderr(`records:delete: the rule set in ${rulesDir} is invalid (run npm run rules:check); nothing was deleted:`);
    for (const p of rules.problems) io.stderr(formatProblem(p));
    return 2;
  }
  const db = opts.database ?? (await openCliDatabase("records:delete", env, io.stderr));
  if (!db) return 2;
  const log = { info: () => {}, warn: () => {}, error: (message: string) => io.stderr(`records:delete: ${message}`) };
  try {
    const outcome = await deleteRecord(
      {
        prisma: db.prisma,
        sql: db.sql,
        ruleSet: rules.ruleSet,
        complianceChannelId: env.COMPLIANCE_CHANNEL_ID ?? "",
        now: opts.now ?? (() => new Date()),
        log,
        onDeliveriesEnqueued: () => {},
      },
      { reference, actorId: cliActor(), retentionYears: retention.years, confirmed },
    );
    switch (outcome.kind) {
      case "already_erased":
        io.stdout(`${reference}: its content was erased before; nothing left to delete (its reference, outcome and audit trail are kept).`);
        return 0;
      case "would_erase":
        io.stdout(
          `${reference} may be deleted: it was kept ${retention.years} years after its last change (${DAY(outcome.retention.lastActivityAt)}), until ${DAY(outcome.retention.keepUntil)}.\n` +
            "Deleting erases its answers with their history, drafts, scoring, decision rationales and written conditions, and the reasons of party-match resolutions. " +
            "It keeps the reference, requester, dates, status, score, tier, each decision's outcome, decider and authorisation, and the whole audit trail (which cannot be changed without breaking its hash chain).\n" +
            `Nothing was erased. To erase it: npm run records:delete -- ${reference} --yes`,
        );
        return 0;
      case "erased":
        io.stdout(
          `erased the content of ${reference} (kept ${retention.years} years after its last change, ${DAY(outcome.retention.lastActivityAt)}); ` +
            "its reference, outcome and audit trail are kept, and the erasure is recorded in the audit trail.",
        );
        return 0;
      default:
        return 2;
    }
  } catch (err) {
    if (err instanceof ServiceError) {
      io.stderr(`records:delete: ${err.message}`);
      return err.code === "not_editable" || err.code === "not_found" ? 1 : 2;
    }
    io.stderr(redact(`records:delete: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, " ") : String(err)}`, env.DATABASE_URL));
    return 2;
  } finally {
    if (!opts.database) await db.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await recordsDeleteCli(process.argv.slice(2), process.env, io);
}
