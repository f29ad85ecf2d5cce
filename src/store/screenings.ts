// Screenings as the cold paths read them (lists, the Home tab, screening again after a new list
// set), the rule set versions they were scored with, and their answers as of a past moment (a
// changed answer supersedes the old row, never overwrites it). Screenings, their answers and
// drafts are written with the aggregate (src/store/aggregate.ts).
import { z } from "zod";
import type { AnswerValue } from "../domain/rule-set.js";
import { normaliseJson } from "./json.js";
import type { ScreeningRecord } from "../domain/records.js";
import { toScreeningRecord } from "./records.js";
import type { Sql } from "./sql.js";
import type { Db } from "./types.js";

export const AnswerValueSchema: z.ZodType<AnswerValue> = z.union([z.string(), z.array(z.string()), z.number()]);

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
