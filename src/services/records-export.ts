// The records export (npm run export, /screening export): the full record of one screening, or
// of every screening created in a period, with the whole audit trail's hash chain verified as
// the export is made. Built here from the store's reads and the domain's shape
// (src/domain/records-export.ts); rendered as JSON, CSV or PDF by src/export/.
// Every export is itself recorded in the audit trail (record.exported), and a refused one too.
import { recordExport, type ChainVerification, type ExportScope, type RecordExport, type StoredScreeningRecord } from "../domain/records-export.js";
import { REFERENCE_PATTERN } from "../domain/screening.js";
import { appendAudit } from "../store/aggregate.js";
import { verifyAuditChain } from "../store/audit.js";
import { screeningIdByReference, screeningIdsCreatedBetween, storedScreeningRecord } from "../store/records-export.js";
import type { Sql } from "../store/sql.js";
import type { StoreClient } from "../store/types.js";
import { recordRefusal, storageChecked, type ServiceContext } from "./context.js";
import { ServiceError } from "./errors.js";

/** What an export needs: the store, and the clock. */
export type ExportContext = Pick<ServiceContext, "prisma" | "sql" | "now">;

export const EXPORT_FORMATS = ["pdf", "json", "csv"] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export function isExportFormat(s: string): s is ExportFormat {
  return (EXPORT_FORMATS as readonly string[]).includes(s);
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** A calendar day "YYYY-MM-DD" as midnight UTC; null when it is not one (2026-02-30 is not). */
export function parseDay(text: string): Date | null {
  const m = DAY.exec(text.trim());
  if (!m) return null;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.toISOString().slice(0, 10) === text.trim() ? d : null;
}

/** A reference as people type it (any case, spaces around); null when it is not one. */
export function normaliseReference(text: string): string | null {
  const ref = text.trim().toUpperCase();
  return REFERENCE_PATTERN.test(ref) ? ref : null;
}

/** The whole chain, walked and checked (store/audit.ts), seqs as text. */
async function verifyChain(prisma: StoreClient): Promise<ChainVerification> {
  const v = await verifyAuditChain(prisma);
  return v.ok ? { ok: true, count: v.count } : { ok: false, count: v.count, brokenAt: { seq: v.brokenAt.seq.toString(), reason: v.brokenAt.reason } };
}

/**
 * The record of `scope`. A reference that names no screening is refused (not_found); a period
 * with none gives an export with no screenings (which says so).
 */
export async function buildRecordExport(ctx: ExportContext, args: { scope: ExportScope; retentionYears: number }): Promise<RecordExport> {
  return storageChecked(async () => {
    let ids: string[];
    if (args.scope.kind === "screening") {
      const id = await screeningIdByReference(ctx.prisma, args.scope.reference);
      if (!id) throw new ServiceError("not_found", `No screening ${args.scope.reference}. Check the reference (like DD-2026-0007).`);
      ids = [id];
    } else {
      const from = parseDay(args.scope.from);
      const to = parseDay(args.scope.to);
      if (!from || !to) throw new ServiceError("not_found", "A period is two days written YYYY-MM-DD.");
      ids = await screeningIdsCreatedBetween(ctx.prisma, from, new Date(to.getTime() + 86_400_000));
    }
    // The chain first: a record read after it cannot hide an event appended in between from it.
    const chain = await verifyChain(ctx.prisma);
    const screenings: StoredScreeningRecord[] = [];
    for (const id of ids) {
      const stored = await storedScreeningRecord(ctx.prisma, id);
      if (stored) screenings.push(stored);
    }
    return recordExport({ generatedAt: ctx.now(), scope: args.scope, chain, retentionYears: args.retentionYears, screenings });
  });
}

/** Records that an export was made, by whom, of what, in which format (one statement). */
export async function recordExported(sql: Sql, exp: RecordExport, args: { actorId: string; format: ExportFormat; via: "cli" | "slack"; now: Date }): Promise<void> {
  const data = {
    format: args.format,
    via: args.via,
    ...(exp.scope.kind === "period" ? { from: exp.scope.from, to: exp.scope.to, screenings: exp.screenings.length } : {}),
    chainIntact: exp.auditChain.intact,
  };
  const events = exp.scope.kind === "screening" ? exp.screenings.map((s) => ({ screeningId: s.id, actorId: args.actorId, type: "record.exported", data })) : [{ screeningId: null, actorId: args.actorId, type: "record.exported", data }];
  await appendAudit(sql, events, args.now);
}

export const EXPORT_APPROVERS_ONLY = "Only compliance approvers can export a screening's record. Nothing was exported; ask an approver if an auditor needs it.";

/**
 * `/screening export REF`: the record of one screening, for an approver (approvers and hard-stop
 * approvers). Anyone else is refused with the same words whether or not the reference exists,
 * and the refusal is audited. The export is audited once delivered (recordSlackExport).
 */
export async function exportForApprover(
  ctx: ServiceContext,
  args: { reference: string; actorId: string; isApprover: boolean; format: ExportFormat; retentionYears: number },
): Promise<RecordExport> {
  const reference = normaliseReference(args.reference);
  if (!args.isApprover) {
    const id = reference ? await storageChecked(() => screeningIdByReference(ctx.prisma, reference)) : null;
    ctx.log.warn("refused a records export to someone who is not an approver", { screeningId: id, actorId: args.actorId });
    await recordRefusal(ctx, { screeningId: id, actorId: args.actorId, type: "access.refused", data: { reason: "export_not_approver", format: args.format } });
    throw new ServiceError("forbidden", EXPORT_APPROVERS_ONLY);
  }
  if (!reference) throw new ServiceError("not_found", "That is not a screening reference. References look like DD-2026-0007: type `/screening export DD-2026-0007`.");
  return buildRecordExport(ctx, { scope: { kind: "screening", reference }, retentionYears: args.retentionYears });
}

/** Records that `exp` was delivered to `actorId` in Slack (a DM with the file). */
export async function recordSlackExport(ctx: ServiceContext, exp: RecordExport, args: { actorId: string; format: ExportFormat }): Promise<void> {
  await storageChecked(() => recordExported(ctx.sql, exp, { actorId: args.actorId, format: args.format, via: "slack", now: ctx.now() }));
}
