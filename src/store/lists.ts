// Restricted-party list sets (immutable once imported), their entries, and compliance's
// resolutions of potential matches (written with their screening, src/store/aggregate.ts).
import { z } from "zod";
import { ListEntrySchema, RESOLUTION_OUTCOMES, type ListEntry, type ListFileInfo, type ListSetSummary, type ResolutionRecord } from "../domain/party-matching.js";
import type { PrismaClient } from "../generated/prisma/client.js";
import { databaseErrorOf } from "./errors.js";
import { normaliseJson } from "./json.js";
import type { Db, Tx } from "./types.js";

const FilesSchema = z.array(z.object({ name: z.string(), sha256: z.string(), entries: z.number().int() }));
const EntryCountsSchema = z.record(z.string(), z.number().int());

/** Rows per INSERT: well below PostgreSQL's 65,535 parameters per statement. */
const ENTRY_BATCH = 1_000;

interface SetRow {
  id: string;
  contentHash: string;
  files: unknown;
  entryCounts: unknown;
  entryCount: number;
  importedAt: Date;
  activatedAt: Date;
}

function toSummary(row: SetRow): ListSetSummary {
  return {
    id: row.id,
    contentHash: row.contentHash,
    files: FilesSchema.parse(row.files),
    entryCounts: EntryCountsSchema.parse(row.entryCounts),
    entryCount: row.entryCount,
    importedAt: row.importedAt,
    activatedAt: row.activatedAt,
  };
}

const SET_COLUMNS = { id: true, contentHash: true, files: true, entryCounts: true, entryCount: true, importedAt: true, activatedAt: true } as const;

export interface ListSetInput {
  contentHash: string;
  files: ListFileInfo[];
  entryCounts: Record<string, number>;
  entries: readonly ListEntry[];
}

/** created: a new set; reactivated: the content of an older set, in force again; neither: already in force. */
export interface SavedListSet {
  set: ListSetSummary;
  created: boolean;
  reactivated: boolean;
}

/**
 * Saves a list set and its entries in one transaction. The same content again (same hash)
 * changes nothing when it is the set in force; when it is an older set, that set is put back
 * in force (its `activatedAt`), nothing else changes.
 */
export async function saveListSet(db: PrismaClient, input: ListSetInput, now: Date = new Date()): Promise<SavedListSet> {
  const work = async (tx: Tx): Promise<SavedListSet> => {
    const existing = await tx.screeningListSet.findUnique({ where: { contentHash: input.contentHash }, select: SET_COLUMNS });
    if (existing) {
      const newest = await newestSetRow(tx);
      if (newest?.id === existing.id) return { set: toSummary(existing), created: false, reactivated: false };
      const updated = await tx.screeningListSet.update({ where: { id: existing.id }, data: { activatedAt: now }, select: SET_COLUMNS });
      return { set: toSummary(updated), created: false, reactivated: true };
    }
    const set = await tx.screeningListSet.create({
      data: {
        contentHash: input.contentHash,
        files: normaliseJson(input.files) ?? [],
        entryCounts: normaliseJson(input.entryCounts) ?? {},
        entryCount: input.entries.length,
        importedAt: now,
        activatedAt: now,
      },
      select: SET_COLUMNS,
    });
    for (let i = 0; i < input.entries.length; i += ENTRY_BATCH) {
      await tx.screeningListEntry.createMany({
        data: input.entries.slice(i, i + ENTRY_BATCH).map((e) => ({
          setId: set.id,
          entryId: e.id,
          entryHash: e.hash,
          source: e.source,
          data: normaliseJson(e) ?? {},
        })),
      });
    }
    return { set: toSummary(set), created: true, reactivated: false };
  };
  // 20,000 entries take seconds on the embedded database: more than Prisma's default 5 s.
  const run = () => db.$transaction(work, { maxWait: 10_000, timeout: 300_000 });
  try {
    return await run();
  } catch (err) {
    // Another instance imported the same files at the same moment: theirs is ours.
    if (databaseErrorOf(err)?.code === "23505") return run();
    throw err;
  }
}

function newestSetRow(db: Db) {
  return db.screeningListSet.findFirst({ orderBy: [{ activatedAt: "desc" }, { importedAt: "desc" }, { id: "desc" }], select: SET_COLUMNS });
}

/** The set in force: the one imported (or put back in force) last; null before any import. */
export async function newestListSet(db: Db): Promise<ListSetSummary | null> {
  const row = await newestSetRow(db);
  return row ? toSummary(row) : null;
}

export async function countListSets(db: Db): Promise<number> {
  return db.screeningListSet.count();
}

/** A set's entries, ordered by entry id, each checked against the domain's schema. */
export async function listSetEntries(db: Db, setId: string): Promise<ListEntry[]> {
  const rows = await db.screeningListEntry.findMany({ where: { setId }, select: { entryId: true, data: true }, orderBy: { entryId: "asc" } });
  return rows.map((row) => {
    const parsed = ListEntrySchema.safeParse(row.data);
    if (!parsed.success) throw new Error(`list entry ${row.entryId} of set ${setId} is not a valid entry: ${parsed.error.issues[0]?.message ?? "invalid"}`);
    return parsed.data;
  });
}

// ---------------------------------------------------------------------------------------------
// Resolutions

const OutcomeSchema = z.enum(RESOLUTION_OUTCOMES);

interface ResolutionRow {
  id: string;
  screeningId: string;
  normalisedName: string;
  entryId: string;
  entryHash: string;
  listSetId: string;
  outcome: string;
  reason: string;
  decidedBy: string;
  decidedAt: Date;
}

function toResolution(row: ResolutionRow): ResolutionRecord {
  return { ...row, outcome: OutcomeSchema.parse(row.outcome) };
}

/**
 * Resolutions of these (normalised name, entry id, entry hash) triples, in any screening, newest
 * first. A resolution made on another version of an entry (another hash) is not found.
 */
export async function findResolutions(
  db: Db,
  keys: readonly { normalisedName: string; entryId: string; entryHash: string }[],
): Promise<ResolutionRecord[]> {
  if (keys.length === 0) return [];
  const rows = await db.partyMatchResolution.findMany({
    where: { OR: keys.map((k) => ({ normalisedName: k.normalisedName, entryId: k.entryId, entryHash: k.entryHash })) },
    orderBy: [{ decidedAt: "desc" }, { id: "asc" }],
  });
  return rows.map(toResolution);
}
