// List sets in the database: importing the same files twice makes one set, a malformed file
// changes nothing, an older set can be put back in force, entries come back as parsed, and
// compliance's resolutions are found by (normalised name, entry id, entry hash) only.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { normaliseName, screenNames, DEFAULT_SCREENING_SETTINGS, type ResolutionOutcome, type ResolutionRecord } from "../../src/domain/party-matching.js";
import { importListFiles, importListsAtStart } from "../../src/lists/import.js";
import { createListIndexCache } from "../../src/lists/index-cache.js";
import { readListFiles } from "../../src/lists/read.js";
import { commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import type { Database } from "../../src/store/database.js";
import { countListSets, findResolutions, listSetEntries, newestListSet } from "../../src/store/lists.js";
import { ensureRuleSetVersion } from "../../src/store/screenings.js";
import { createTestDatabase } from "../support/db.js";

const CSV = "test/fixtures/lists/csl-sample.csv";

let db: Database;
let dir: string;

beforeAll(async () => {
  db = await createTestDatabase();
  dir = await mkdtemp(join(tmpdir(), "dd-store-lists-"));
});
afterAll(async () => {
  await db?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function entryRows(): Promise<number> {
  return db.prisma.screeningListEntry.count();
}

describe("importing list files", () => {
  it("imports a set once: the same content again changes nothing", async () => {
    const first = await importListFiles(db.prisma, [CSV], new Date("2026-12-01T08:00:00Z"));
    expect(first.kind).toBe("imported");
    if (first.kind !== "imported") return;
    expect(first.set).toMatchObject({ entryCount: 30, files: [{ name: "csl-sample.csv", entries: 30 }] });
    expect(first.set.entryCounts["Entity List (EL) - Bureau of Industry and Security"]).toBe(14);
    expect(await entryRows()).toBe(30);

    const again = await importListFiles(db.prisma, [CSV], new Date("2026-12-02T08:00:00Z"));
    expect(again).toEqual({ kind: "unchanged", set: first.set });
    expect(await countListSets(db.prisma)).toBe(1);
    expect(await entryRows()).toBe(30);
    expect((await newestListSet(db.prisma))?.activatedAt).toEqual(new Date("2026-12-01T08:00:00Z"));
  });

  it("gives back the entries exactly as parsed", async () => {
    const set = await newestListSet(db.prisma);
    const read = await readListFiles([CSV]);
    if (!set || !read.ok) throw new Error("no set");
    expect(await listSetEntries(db.prisma, set.id)).toEqual([...read.content.entries].sort((a, b) => a.id.localeCompare(b.id)));
  });

  it("leaves everything as it was when a file is malformed, and says which set stays in force", async () => {
    const bad = join(dir, "bad.json");
    await writeFile(bad, '[\n  { "id": "y1", "source": "Entity List", "name": "Zorblax" },\n  { "id": "y2", "source": "Entity List" }\n]\n');
    const before = await newestListSet(db.prisma);
    const result = await importListFiles(db.prisma, [CSV, bad]);
    expect(result.kind).toBe("invalid");
    if (result.kind !== "invalid") return;
    expect(result.problems).toEqual([{ file: bad, line: 3, message: "entry 2 (id y2): name: missing (every entry needs one)" }]);
    expect(result.inForce).toEqual(before);
    expect(await countListSets(db.prisma)).toBe(1);
    expect(await entryRows()).toBe(30);
    expect(await newestListSet(db.prisma)).toEqual(before);
  });

  it("makes a new set of new content, and puts an older set back in force when its files come back", async () => {
    const extra = join(dir, "extra.csv");
    await writeFile(extra, "_id,source,name\nz-1,Entity List (EL) - Bureau of Industry and Security,Zorblax Quantum Ltd\n");
    const second = await importListFiles(db.prisma, [CSV, extra], new Date("2026-12-03T08:00:00Z"));
    expect(second.kind).toBe("imported");
    expect((await newestListSet(db.prisma))?.entryCount).toBe(31);

    const back = await importListFiles(db.prisma, [CSV], new Date("2026-12-04T08:00:00Z"));
    expect(back.kind).toBe("reactivated");
    const inForce = await newestListSet(db.prisma);
    expect(inForce).toMatchObject({ entryCount: 30, importedAt: new Date("2026-12-01T08:00:00Z"), activatedAt: new Date("2026-12-04T08:00:00Z") });
    expect(await countListSets(db.prisma)).toBe(2);
    expect(await entryRows()).toBe(61);
  });

  it("refuses to change a stored entry: a set is immutable", async () => {
    await expect(db.prisma.screeningListEntry.updateMany({ data: { source: "changed" } })).rejects.toThrow();
    expect(await db.prisma.screeningListEntry.count({ where: { source: "changed" } })).toBe(0);
  });
});

describe("the index of the set in force", () => {
  it("is built once per set and follows the set in force", async () => {
    const cache = createListIndexCache(db.prisma);
    const a = await cache.current();
    const b = await cache.current();
    expect(a?.index).toBeDefined();
    expect(b?.index).toBe(a?.index);
    if (!a) throw new Error("no set in force");
    expect(screenNames(a.index, [{ questionId: "q", name: "Blenmark Optics" }], DEFAULT_SCREENING_SETTINGS).map((m) => m.entryId)).toEqual(["ex-isn-0009"]);

    const extra = join(dir, "extra2.csv");
    await writeFile(extra, "_id,source,name\nz-2,Entity List (EL) - Bureau of Industry and Security,Quelpanto Systems\n");
    await importListFiles(db.prisma, [CSV, extra], new Date("2026-12-05T08:00:00Z"));
    const c = await cache.current();
    expect(c?.index).not.toBe(a?.index);
    expect(c?.set.entryCount).toBe(31);
    expect(c?.index.entries.map((e) => e.id)).toContain("z-2");
  });
});

describe("resolutions of potential matches", () => {
  let screeningId: string;
  let listSetId: string;
  beforeAll(async () => {
    await ensureRuleSetVersion(db.prisma, { hash: "rules-lists", label: "test rules", content: { pages: [] } });
    screeningId = randomUUID();
    const created = await createAggregate(db.sql, {
      id: screeningId,
      requesterId: "UREQ",
      teamId: null,
      ruleSetHash: "rules-lists",
      currentPage: "deal",
      now: new Date("2026-12-06T08:00:00Z"),
      audit: { type: "screening.created", data: {} },
    });
    if (!created) throw new Error("no screening");
    const set = await newestListSet(db.prisma);
    if (!set) throw new Error("no set");
    listSetId = set.id;
  });

  /** Records a resolution as compliance's decision does: with its screening, in one statement. */
  async function resolve(args: {
    normalisedName: string;
    entryId: string;
    entryHash: string;
    outcome: ResolutionOutcome;
    reason: string;
    decidedBy: string;
    decidedAt: Date;
  }): Promise<ResolutionRecord> {
    const { decidedAt, ...resolution } = args;
    const loaded = await loadAggregate(db.sql, { screeningId });
    if (!loaded) throw new Error("no screening");
    const id = randomUUID();
    const result = await commitAggregate(db.sql, { state: loaded.state, change: { resolution: { id, listSetId, ...resolution }, audit: [], deliveries: [] }, now: decidedAt });
    expect(result.committed).toBe(true);
    return { id, screeningId, listSetId, ...args };
  }

  it("are found by normalised name, entry id and entry hash, in any later screening", async () => {
    const key = { normalisedName: normaliseName("Blenmark Optics"), entryId: "ex-isn-0009", entryHash: "a".repeat(64) };
    const recorded = await resolve({
      ...key,
      outcome: "not_same_party",
      reason: "Blenmark Optics GmbH of Jena is another company (register extract attached)",
      decidedBy: "UAPPROVER1",
      decidedAt: new Date("2026-12-06T09:00:00Z"),
    });
    expect(recorded).toMatchObject({ ...key, outcome: "not_same_party", decidedBy: "UAPPROVER1", screeningId, listSetId });
    expect(await findResolutions(db.prisma, [key])).toEqual([recorded]);
    // the same name written otherwise normalises to the same key
    expect(await findResolutions(db.prisma, [{ ...key, normalisedName: normaliseName("BLENMARK OPTICS LTD.") }])).toEqual([recorded]);
  });

  it("are not found once the entry has changed (another hash), nor for another name or entry", async () => {
    const key = { normalisedName: normaliseName("Blenmark Optics"), entryId: "ex-isn-0009", entryHash: "a".repeat(64) };
    expect(await findResolutions(db.prisma, [{ ...key, entryHash: "b".repeat(64) }])).toEqual([]);
    expect(await findResolutions(db.prisma, [{ ...key, normalisedName: normaliseName("Blenmark Photonics") }])).toEqual([]);
    expect(await findResolutions(db.prisma, [{ ...key, entryId: "ex-el-0001" }])).toEqual([]);
    expect(await findResolutions(db.prisma, [])).toEqual([]);
  });

  it("come newest first, and the database refuses an unknown outcome", async () => {
    const key = { normalisedName: normaliseName("Example Tekhnologii"), entryId: "ex-el-0001", entryHash: "c".repeat(64) };
    const base = { ...key, reason: "checked", decidedBy: "UAPPROVER2" };
    await resolve({ ...base, outcome: "not_same_party", decidedAt: new Date("2026-12-06T09:00:00Z") });
    await resolve({ ...base, outcome: "confirmed", decidedAt: new Date("2026-12-07T09:00:00Z") });
    expect((await findResolutions(db.prisma, [key])).map((r) => r.outcome)).toEqual(["confirmed", "not_same_party"]);
    await expect(db.prisma.partyMatchResolution.create({ data: { ...base, screeningId, listSetId, outcome: "maybe" } })).rejects.toThrow();
  });
});

describe("at the bot's start", () => {
  function recorder() {
    const lines: string[] = [];
    const at = (level: string) => (message: string, fields?: Record<string, unknown>) => lines.push(`${level} ${message}${fields ? ` ${JSON.stringify(fields)}` : ""}`);
    return { lines, log: { info: at("info"), warn: at("warn"), error: at("error") } };
  }

  it("logs each problem of broken files and keeps the set in force, saying which", async () => {
    const before = await newestListSet(db.prisma);
    const bad = join(dir, "broken-at-start.csv");
    await writeFile(bad, "_id,source,name\nb-1,Entity List (EL) - Bureau of Industry and Security\n");
    const { lines, log } = recorder();
    const inForce = await importListsAtStart(db.prisma, [bad], log);
    expect(inForce).toEqual(before);
    expect(lines).toEqual([
      `error restricted-party list file problem {"problem":"${bad}:2: expected 3 fields as in the header, got 2"}`,
      expect.stringMatching(/^warn restricted-party lists not imported \(see the problems above\): keeping the list set in force \{"set":"[0-9a-f]{12}","entries":31,/),
    ]);
    expect(await newestListSet(db.prisma)).toEqual(before);
  });

  it("imports changed files, and does nothing but say so when SCREENING_LISTS is unset", async () => {
    const { lines, log } = recorder();
    const set = await importListsAtStart(db.prisma, [CSV], log);
    expect(set?.entryCount).toBe(30);
    expect(lines).toEqual([expect.stringMatching(/^info restricted-party lists imported before are in force again /)]);
    const unset = recorder();
    expect(await importListsAtStart(db.prisma, [], unset.log)).toBeNull();
    expect(unset.lines).toEqual(["info no restricted-party lists configured (SCREENING_LISTS is unset): parties are not screened against lists"]);
  });
});
