import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Database } from "../../src/store/database.js";
import {
  answerHistory,
  createScreening,
  currentAnswers,
  ensureRuleSetVersion,
  formatReference,
  nextReference,
  saveAnswers,
} from "../../src/store/screenings.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
  await ensureRuleSetVersion(db.prisma, { hash: "rules-v1", label: "test rules", content: { pages: [] } });
});
afterAll(async () => {
  await db?.close();
});

async function newScreening(requesterId = "UREQ") {
  return db.prisma.$transaction((tx) => createScreening(tx, { requesterId, ruleSetHash: "rules-v1", currentPage: "transaction" }));
}

describe("references", () => {
  it("numbers sequentially within a year, separately per year, four digits at least", async () => {
    const a = await db.prisma.$transaction((tx) => nextReference(tx, 2031));
    const b = await db.prisma.$transaction((tx) => nextReference(tx, 2031));
    const other = await db.prisma.$transaction((tx) => nextReference(tx, 2032));
    const c = await db.prisma.$transaction((tx) => nextReference(tx, 2031));
    expect([a, b, other, c]).toEqual(["DD-2031-0001", "DD-2031-0002", "DD-2032-0001", "DD-2031-0003"]);
    expect(formatReference(2031, 12345)).toBe("DD-2031-12345");
  });

  it("goes past 9999 without losing the order", async () => {
    await db.prisma.referenceCounter.create({ data: { year: 2033, last: 9999 } });
    expect(await nextReference(db.prisma, 2033)).toBe("DD-2033-10000");
  });

  it("never hands out a number twice, even to concurrent transactions", async () => {
    const refs = await Promise.all(Array.from({ length: 12 }, () => db.prisma.$transaction((tx) => nextReference(tx, 2034))));
    expect(new Set(refs).size).toBe(12);
    expect([...refs].sort()).toEqual(Array.from({ length: 12 }, (_, i) => formatReference(2034, i + 1)));
  });

  it("a rolled-back transaction gives its number back", async () => {
    await expect(
      db.prisma.$transaction(async (tx) => {
        await nextReference(tx, 2035);
        throw new Error("abort");
      }),
    ).rejects.toThrow("abort");
    expect(await nextReference(db.prisma, 2035)).toBe("DD-2035-0001");
    expect(await nextReference(db.prisma, 2035)).toBe("DD-2035-0002");
  });

  it("rejects a year that would not make a DD-YYYY reference", async () => {
    await expect(nextReference(db.prisma, 26)).rejects.toThrow(/four-digit year/);
  });
});

describe("screenings", () => {
  it("creates a draft with the next reference of the current year, or the one given", async () => {
    const s = await newScreening("UREQ1");
    expect(s).toMatchObject({ requesterId: "UREQ1", status: "draft", currentPage: "transaction", ruleSetHash: "rules-v1", teamId: null });
    expect(s.reference).toMatch(new RegExp(`^DD-${new Date().getUTCFullYear()}-\\d{4,}$`));
    const given = await createScreening(db.prisma, { reference: "DD-2040-0001", requesterId: "UREQ1", teamId: "T1", ruleSetHash: "rules-v1", currentPage: null });
    expect(given).toMatchObject({ reference: "DD-2040-0001", teamId: "T1" });
  });

  it("stores a rule set version once, even when two writers race", async () => {
    const v = { hash: "rules-v2", label: "second", content: { pages: [{ id: "p" }] } };
    await Promise.all([ensureRuleSetVersion(db.prisma, v), ensureRuleSetVersion(db.prisma, v), ensureRuleSetVersion(db.prisma, v)]);
    const rows = await db.prisma.ruleSetVersion.findMany({ where: { hash: "rules-v2" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.content).toEqual({ pages: [{ id: "p" }] });
  });
});

describe("answers", () => {
  it("saves, changes and clears answers, keeping every earlier value", async () => {
    const s = await newScreening();
    const save = (answers: Record<string, string | string[] | number | undefined>, actor = "UREQ") =>
      db.prisma.$transaction((tx) => saveAnswers(tx, s.id, answers, actor));

    expect(await save({ item: "spyware", functions: ["intercept", "locate"], quantity: 3 })).toEqual(["item", "functions", "quantity"]);
    expect(await save({ item: "spyware", functions: ["intercept", "locate"], quantity: 3 })).toEqual([]);
    expect(await save({ item: "thermal", functions: ["intercept", "locate"], quantity: 3 }, "UEDITOR")).toEqual(["item"]);
    expect(await save({ functions: ["locate", "intercept"] })).toEqual(["functions"]);
    expect(await save({ quantity: undefined, never_answered: undefined })).toEqual(["quantity"]);

    expect(await currentAnswers(db.prisma, s.id)).toEqual({ item: "thermal", functions: ["locate", "intercept"] });

    const item = await answerHistory(db.prisma, s.id, "item");
    expect(item.map((a) => [a.value, a.answeredBy, a.supersededAt === null])).toEqual([
      ["spyware", "UREQ", false],
      ["thermal", "UEDITOR", true],
    ]);
    expect(item[0]?.supersededAt?.getTime()).toBe(item[1]?.createdAt.getTime());

    const quantity = await answerHistory(db.prisma, s.id, "quantity");
    expect(quantity).toHaveLength(1);
    expect(quantity[0]).toMatchObject({ value: 3 });
    expect(quantity[0]?.supersededAt).toBeInstanceOf(Date);

    expect(await answerHistory(db.prisma, s.id)).toHaveLength(5);
  });

  it("works with the root client too, superseding and inserting in one transaction of its own", async () => {
    const s = await newScreening();
    expect(await saveAnswers(db.prisma, s.id, { item: "a" }, "U")).toEqual(["item"]);
    expect(await saveAnswers(db.prisma, s.id, { item: "b" }, "U")).toEqual(["item"]);
    expect((await answerHistory(db.prisma, s.id)).map((a) => a.value)).toEqual(["a", "b"]);
  });

  it("keeps at most one current answer per question (the database enforces it)", async () => {
    const s = await newScreening();
    await db.prisma.answer.create({ data: { screeningId: s.id, questionId: "item", value: "a", answeredBy: "U" } });
    await expect(db.prisma.answer.create({ data: { screeningId: s.id, questionId: "item", value: "b", answeredBy: "U" } })).rejects.toThrow();
  });

  it("refuses to read back a stored value that is not an answer", async () => {
    const s = await newScreening();
    await db.prisma.answer.create({ data: { screeningId: s.id, questionId: "item", value: { not: "an answer" }, answeredBy: "U" } });
    await expect(currentAnswers(db.prisma, s.id)).rejects.toThrow(`stored answer item of screening ${s.id} is not a valid answer value`);
  });

  it("answers of one screening never leak into another", async () => {
    const a = await newScreening();
    const b = await newScreening();
    await db.prisma.$transaction((tx) => saveAnswers(tx, a.id, { item: "x" }, "U"));
    expect(await currentAnswers(db.prisma, b.id)).toEqual({});
    expect(await answerHistory(db.prisma, b.id)).toEqual([]);
  });
});
