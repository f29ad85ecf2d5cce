// Screenings, their human references, the rule set versions they were scored with, and
// their answers with full history (a changed answer supersedes the old row, never overwrites it).
import { z } from "zod";
import type { AnswerValue } from "../domain/rule-set.js";
import { Prisma, type Screening } from "../generated/prisma/client.js";
import { jsonEqual, normaliseJson } from "./json.js";
import type { ScreeningRecord } from "../domain/records.js";
import { toScreeningRecord } from "./records.js";
import type { Sql } from "./sql.js";
import { withinTransaction, type Db, type Tx } from "./types.js";

export const AnswerValueSchema: z.ZodType<AnswerValue> = z.union([z.string(), z.array(z.string()), z.number()]);

/** "DD-2026-0007": numbered per year, at least four digits, never handed out twice. */
export async function nextReference(tx: Db, year: number): Promise<string> {
  if (!Number.isInteger(year) || year < 1000 || year > 9999) throw new RangeError(`not a four-digit year: ${year}`);
  const rows = await tx.$queryRaw<unknown[]>`
    INSERT INTO reference_counters (year, last) VALUES (${year}, 1)
    ON CONFLICT (year) DO UPDATE SET last = reference_counters.last + 1
    RETURNING last`;
  const last = z.array(z.object({ last: z.number().int().positive() })).length(1).parse(rows)[0]?.last;
  return formatReference(year, last ?? 0);
}

export function formatReference(year: number, n: number): string {
  return `DD-${year}-${String(n).padStart(4, "0")}`;
}

/** Stores a rule set version once; its hash is a hash of its content, so an existing row is the same. */
export async function ensureRuleSetVersion(tx: Db, version: { hash: string; label: string; content: unknown }): Promise<void> {
  // Nearly always stored already (once per rule set, rows are never deleted): an indexed lookup
  // instead of sending the whole rule set (about 130 kB of JSON) with every start and submission.
  if (await tx.ruleSetVersion.findUnique({ where: { hash: version.hash }, select: { hash: true } })) return;
  const content = normaliseJson(version.content);
  if (content === null || typeof content !== "object") throw new TypeError("rule set content must be a JSON object or array");
  // createMany with skipDuplicates is INSERT ... ON CONFLICT DO NOTHING: safe when two processes race.
  await tx.ruleSetVersion.createMany({ data: [{ hash: version.hash, label: version.label, content }], skipDuplicates: true });
}

export interface NewScreening {
  /** taken from nextReference() for the current year when not given */
  reference?: string | undefined;
  requesterId: string;
  teamId?: string | null | undefined;
  ruleSetHash: string;
  currentPage: string | null;
}

/** A new draft screening. The rule set version must already be stored (ensureRuleSetVersion). */
export async function createScreening(tx: Db, args: NewScreening): Promise<Screening> {
  const reference = args.reference ?? (await nextReference(tx, new Date().getUTCFullYear()));
  return tx.screening.create({
    data: {
      reference,
      requesterId: args.requesterId,
      teamId: args.teamId ?? null,
      ruleSetHash: args.ruleSetHash,
      currentPage: args.currentPage,
      status: "draft",
    },
  });
}

/**
 * Saves the given answers; `undefined` clears one. An unchanged answer is left alone; a
 * changed or cleared one is superseded (kept, with superseded_at) and, unless cleared, a
 * new current row is added. Returns the ids of the questions whose answer changed.
 * Superseding and inserting happen in one transaction (the caller's, or a new one).
 */
export async function saveAnswers(
  db: Db,
  screeningId: string,
  answers: Readonly<Record<string, AnswerValue | undefined>>,
  actorId: string,
): Promise<string[]> {
  const questionIds = Object.keys(answers);
  if (questionIds.length === 0) return [];
  return withinTransaction(db, (tx) => saveInTransaction(tx, screeningId, questionIds, answers, actorId));
}

async function saveInTransaction(
  tx: Tx,
  screeningId: string,
  questionIds: string[],
  answers: Readonly<Record<string, AnswerValue | undefined>>,
  actorId: string,
): Promise<string[]> {
  const currentRows = await tx.answer.findMany({
    where: { screeningId, questionId: { in: questionIds }, supersededAt: null },
    select: { questionId: true, value: true },
  });
  const current = new Map(currentRows.map((r) => [r.questionId, parseAnswerValue(r.value, screeningId, r.questionId)]));
  const at = new Date();
  const changed: string[] = [];
  for (const questionId of questionIds) {
    const next = answers[questionId];
    const before = current.get(questionId);
    if (next === undefined && before === undefined) continue;
    if (next !== undefined && before !== undefined && jsonEqual(before, next)) continue;
    if (before !== undefined) {
      await tx.answer.updateMany({ where: { screeningId, questionId, supersededAt: null }, data: { supersededAt: at } });
    }
    if (next !== undefined) {
      await tx.answer.create({
        data: { screeningId, questionId, value: AnswerValueSchema.parse(next), answeredBy: actorId, createdAt: at },
      });
    }
    changed.push(questionId);
  }
  return changed;
}

/** The answers in force: question id → value. */
export async function currentAnswers(db: Db, screeningId: string): Promise<Record<string, AnswerValue>> {
  const rows = await db.answer.findMany({
    where: { screeningId, supersededAt: null },
    select: { questionId: true, value: true },
    orderBy: { questionId: "asc" },
  });
  const answers: Record<string, AnswerValue> = {};
  for (const row of rows) answers[row.questionId] = parseAnswerValue(row.value, screeningId, row.questionId);
  return answers;
}

export interface AnswerHistoryEntry {
  questionId: string;
  value: AnswerValue;
  answeredBy: string;
  createdAt: Date;
  /** when a later answer (or clearing it) replaced this one; null while it is current */
  supersededAt: Date | null;
}

/** Every answer ever given, oldest first, for one question or all of them. */
export async function answerHistory(db: Db, screeningId: string, questionId?: string): Promise<AnswerHistoryEntry[]> {
  const rows = await db.answer.findMany({
    where: { screeningId, ...(questionId === undefined ? {} : { questionId }) },
    orderBy: [{ createdAt: "asc" }, { supersededAt: { sort: "asc", nulls: "last" } }, { questionId: "asc" }],
  });
  return rows.map((r) => ({
    questionId: r.questionId,
    value: parseAnswerValue(r.value, screeningId, r.questionId),
    answeredBy: r.answeredBy,
    createdAt: r.createdAt,
    supersededAt: r.supersededAt,
  }));
}

/**
 * The answers that were in force at `at` (a past submission): rows given by then and not yet
 * superseded by then. Answers are never deleted, only superseded, so any past state can be read.
 */
export async function answersAsOf(db: Db, screeningId: string, at: Date): Promise<Record<string, AnswerValue>> {
  const rows = await db.answer.findMany({
    where: { screeningId, createdAt: { lte: at }, OR: [{ supersededAt: null }, { supersededAt: { gt: at } }] },
    select: { questionId: true, value: true },
    orderBy: { questionId: "asc" },
  });
  const answers: Record<string, AnswerValue> = {};
  for (const row of rows) answers[row.questionId] = parseAnswerValue(row.value, screeningId, row.questionId);
  return answers;
}

function parseAnswerValue(value: unknown, screeningId: string, questionId: string): AnswerValue {
  const parsed = AnswerValueSchema.safeParse(value);
  if (!parsed.success) throw new Error(`stored answer ${questionId} of screening ${screeningId} is not a valid answer value`);
  return parsed.data;
}

// ---------------------------------------------------------------------------------------------
// Drafts: what the requester typed on a page they left without saving it (Back, or closing the
// modal). Raw, unvalidated input, kept only to show it again; never an answer, never scored.

/** One page's draft: question id → the raw value as read from the modal (null: left empty). */
export type PageDraft = Record<string, string | string[] | null>;
/** Every page's draft, by page id. */
export type Drafts = Record<string, PageDraft>;

const DraftValueSchema = z.union([z.string(), z.array(z.string()), z.null()]);
const DraftsSchema = z.record(z.string(), z.record(z.string(), DraftValueSchema));

/** The screening's drafts ({} when it has none). */
export async function readDrafts(db: Db, screeningId: string): Promise<Drafts> {
  const row = await db.screening.findUnique({ where: { id: screeningId }, select: { drafts: true } });
  if (!row || row.drafts === null) return {};
  const parsed = DraftsSchema.safeParse(row.drafts);
  if (!parsed.success) throw new Error(`drafts of screening ${screeningId} are not valid drafts`);
  return parsed.data;
}

/** `drafts` as the column stores it: SQL NULL when there is no draft left. */
export function draftsColumn(drafts: Drafts): Prisma.InputJsonValue | typeof Prisma.DbNull {
  const kept = Object.entries(drafts).filter(([, page]) => Object.keys(page).length > 0);
  if (kept.length === 0) return Prisma.DbNull;
  const value = normaliseJson(Object.fromEntries(kept));
  return DraftsSchema.parse(value);
}

/**
 * Screenings to screen again against a new list set: those still with compliance, and those
 * approved since `approvedSince` (their deals may still ship). Ids only, oldest first.
 */
export async function screeningsToRescreen(db: Db, approvedSince: Date): Promise<string[]> {
  const rows = await db.screening.findMany({
    where: { OR: [{ status: { in: ["escalated", "info_requested"] } }, { status: "approved", closedAt: { gte: approvedSince } }] },
    orderBy: { createdAt: "asc" },
    select: { id: true },
  });
  return rows.map((r) => r.id);
}

/** The id of the requester's newest screening still open to them (a draft, or waiting for their reply). */
export async function latestUnfinishedScreening(sql: Sql, requesterId: string): Promise<string | null> {
  const rows = await sql.query<{ id: string }>(
    `SELECT id::text AS id FROM screenings WHERE requester_id = $1 AND status IN ('draft', 'info_requested') ORDER BY created_at DESC, id LIMIT 1`,
    [requesterId],
  );
  return rows[0]?.id ?? null;
}

/** A requester's screenings, newest first. */
export async function screeningsOf(db: Db, requesterId: string, limit: number): Promise<ScreeningRecord[]> {
  const rows = await db.screening.findMany({ where: { requesterId }, orderBy: { createdAt: "desc" }, take: limit });
  return rows.map(toScreeningRecord);
}

/** The screenings with these ids (in no particular order). */
export async function screeningsByIds(db: Db, ids: readonly string[]): Promise<ScreeningRecord[]> {
  if (ids.length === 0) return [];
  const rows = await db.screening.findMany({ where: { id: { in: [...ids] } } });
  return rows.map(toScreeningRecord);
}

/** The current answers to some questions of several screenings: screening id → question id → value. */
export async function currentAnswersOf(db: Db, screeningIds: readonly string[], questionIds: readonly string[]): Promise<Map<string, Record<string, AnswerValue>>> {
  const out = new Map<string, Record<string, AnswerValue>>();
  if (screeningIds.length === 0) return out;
  const rows = await db.answer.findMany({ where: { screeningId: { in: [...screeningIds] }, questionId: { in: [...questionIds] }, supersededAt: null } });
  for (const row of rows) {
    const value = AnswerValueSchema.safeParse(row.value);
    if (!value.success) continue;
    out.set(row.screeningId, { ...(out.get(row.screeningId) ?? {}), [row.questionId]: value.data });
  }
  return out;
}
