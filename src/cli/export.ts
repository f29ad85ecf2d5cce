// `npm run export -- REF [--format pdf|json|csv] [--out FILE]` and
// `npm run export -- --from YYYY-MM-DD --to YYYY-MM-DD [--format …] [--out FILE]`: the full record
// of one screening, or of every screening created in a period (UTC days, both included), for an
// auditor (src/services/records-export.ts, rendered by src/export/). From $DATABASE_URL (a
// PostgreSQL server) or, when it is unset, the embedded database in $DATA_DIR (default ./data):
// stop the bot first on an embedded database (one process at a time).
// Writes the file (default: DD-2026-0007-record.pdf or dd-records-FROM-to-TO.pdf in the current
// folder; `--out -` writes to standard output) and says what it wrote, with the audit trail's
// verification. Each export is recorded in the audit trail.
// Exit 0: written, audit trail intact. Exit 1: written, but the audit trail is broken (the export
// says so on every page, row and in its JSON). Exit 2: nothing written (usage, unknown reference,
// database).
import { writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { recordsRetentionYears } from "../config/env.js";
import type { ExportScope } from "../domain/records-export.js";
import { renderExport } from "../export/index.js";
import { buildRecordExport, isExportFormat, normaliseReference, parseDay, recordExported, type ExportFormat } from "../services/records-export.js";
import { ServiceError } from "../services/errors.js";
import type { Database } from "../store/database.js";
import { openCliDatabase, redact } from "./cli-database.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
  /** where `--out -` writes the file (default: process.stdout) */
  writeStdout?: (bytes: Buffer) => void;
}

export const EXPORT_USAGE = [
  "usage: npm run export -- DD-2026-0007 [--format pdf|json|csv] [--out FILE]",
  "       npm run export -- --from 2026-01-01 --to 2026-03-31 [--format pdf|json|csv] [--out FILE]",
  "  (default format pdf; default file: the reference or period, in the current folder; --out - writes to standard output)",
].join("\n");

interface Args {
  scope: ExportScope;
  format: ExportFormat;
  out: string | undefined;
}

/** The command line, or what is wrong with it. */
export function parseExportArgs(argv: readonly string[]): { ok: true; args: Args } | { ok: false; problem: string } {
  let format: string | undefined;
  let out: string | undefined;
  let from: string | undefined;
  let to: string | undefined;
  const refs: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    const eq = /^(--[a-z]+)=(.*)$/.exec(arg);
    const name = eq ? eq[1] : arg;
    const value = () => (eq ? eq[2] : argv[++i]);
    if (name === "--format") format = value();
    else if (name === "--out") out = value();
    else if (name === "--from") from = value();
    else if (name === "--to") to = value();
    else if (arg.startsWith("-") && arg !== "-") return { ok: false, problem: `unknown option ${JSON.stringify(arg)}` };
    else refs.push(arg);
    if ((name === "--format" || name === "--out" || name === "--from" || name === "--to") && (eq ? eq[2] : argv[i]) === undefined) {
      return { ok: false, problem: `${name} needs a value` };
    }
  }
  const fmt = (format ?? "pdf").toLowerCase();
  if (!isExportFormat(fmt)) return { ok: false, problem: `unknown format ${JSON.stringify(format)}: expected pdf, json or csv` };
  if (out === "") return { ok: false, problem: "--out needs a file name (or - for standard output)" };
  if (refs.length > 0 && (from !== undefined || to !== undefined)) return { ok: false, problem: "give either a reference or --from and --to, not both" };
  if (refs.length > 1) return { ok: false, problem: `one reference at a time (got ${refs.length}); for several, export a period with --from and --to` };
  if (refs.length === 1) {
    const reference = normaliseReference(refs[0] ?? "");
    if (!reference) return { ok: false, problem: `${JSON.stringify((refs[0] ?? "").slice(0, 40))} is not a screening reference: references look like DD-2026-0007` };
    return { ok: true, args: { scope: { kind: "screening", reference }, format: fmt, out } };
  }
  if (from === undefined && to === undefined) return { ok: false, problem: "what to export? Give a reference, or --from and --to" };
  if (from === undefined || to === undefined) return { ok: false, problem: "a period needs both --from and --to (YYYY-MM-DD)" };
  const fromDay = parseDay(from);
  const toDay = parseDay(to);
  if (!fromDay) return { ok: false, problem: `--from ${JSON.stringify(from.slice(0, 40))} is not a date: expected YYYY-MM-DD, such as 2026-01-01` };
  if (!toDay) return { ok: false, problem: `--to ${JSON.stringify(to.slice(0, 40))} is not a date: expected YYYY-MM-DD, such as 2026-03-31` };
  if (toDay.getTime() < fromDay.getTime()) return { ok: false, problem: `--to ${to} is before --from ${from}` };
  return { ok: true, args: { scope: { kind: "period", from: from.trim(), to: to.trim() }, format: fmt, out } };
}

/** Who ran the command, for the audit trail: the operating-system account. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return "cli";
  }
}

export async function exportCli(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  io: CliIo,
  opts: { database?: Database; now?: () => Date; cwd?: string } = {},
): Promise<number> {
  if (argv.includes("--help") || argv.includes("-h")) {
    io.stdout(EXPORT_USAGE);
    return 0;
  }
  const parsed = parseExportArgs(argv);
  if (!parsed.ok) {
    io.stderr(`export: ${parsed.problem}\n${EXPORT_USAGE}`);
    return 2;
  }
  const { scope, format, out } = parsed.args;
  const retention = recordsRetentionYears(env);
  if (!retention.ok) {
    io.stderr(`export: ${retention.problem}`);
    return 2;
  }
  const db = opts.database ?? (await openCliDatabase("export", env, io.stderr));
  if (!db) return 2;
  const now = opts.now ?? (() => new Date());
  try {
    const exp = await buildRecordExport({ prisma: db.prisma, sql: db.sql, now }, { scope, retentionYears: retention.years });
    const rendered = await renderExport(exp, format);
    // npm runs scripts in the package's folder; INIT_CWD is where the person typed the command
    const base = opts.cwd ?? (env.INIT_CWD?.trim() || ".");
    const target = out === "-" ? "-" : resolve(base, out ?? rendered.filename);
    if (target === "-") (io.writeStdout ?? ((b: Buffer) => process.stdout.write(b)))(rendered.bytes);
    else await writeFile(target, rendered.bytes);
    await recordExported(db.sql, exp, { actorId: cliActor(), format, via: "cli", now: now() });
    const what = scope.kind === "screening" ? scope.reference : `${exp.screenings.length} screening${exp.screenings.length === 1 ? "" : "s"} created ${scope.from} to ${scope.to}`;
    const say = target === "-" ? io.stderr : io.stdout;
    say(`exported ${what} as ${format.toUpperCase()}${target === "-" ? " to standard output" : ` to ${target}`} (${rendered.bytes.length} bytes)`);
    say(exp.auditChain.statement);
    return exp.auditChain.intact ? 0 : 1;
  } catch (err) {
    if (err instanceof ServiceError) {
      io.stderr(`export: ${err.message}`);
      return 2;
    }
    io.stderr(redact(`export: ${err instanceof Error ? err.message.replace(/\s*\n\s*/g, " ") : String(err)}`, env.DATABASE_URL));
    return 2;
  } finally {
    if (!opts.database) await db.close();
  }
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await exportCli(process.argv.slice(2), process.env, io);
}
