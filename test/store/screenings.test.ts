// References, rule set versions and answers with their history, as the request path writes them
// (src/store/aggregate.ts) and the cold paths read them (src/store/screenings.ts).
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerValue } from "../../src/domain/rule-set.js";
import { commitAggregate, createAggregate, loadAggregate } from "../../src/store/aggregate.js";
import type { Database } from "../../src/store/database.js";
import { databaseErrorOf } from "../../src/store/errors.js";
import { answersAsOf, ensureRuleSetVersion } from "../../src/store/screenings.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
  await ensureRuleSetVersion(db.prisma, { hash: "rules-v1", label: "test rules", content: { pages: [] } });
});
afterAll(async () => {
  await db?.close();
});

let ticks = 0;
/** A moment in `year`, a millisecond later at each call. */
const inYear = (year: number) => new Date(Date.UTC(year, 5, 1, 12, 0, 0, ticks++));

/** A new screening (one statement): its id and the reference it was given. */
async function create(now: Date, opts: { id?: string; requestKey?: string } = {}): Promise<{ id: string; reference: string }> {
  const id = opts.id ?? randomUUID();
  const created = await createAggregate(db.sql, {
    id,
    requesterId: "UREQ",
    teamId: null,
    ruleSetHash: "rules-v1",
    currentPage: "transaction",
    requestKey: opts.requestKey,
    now,
    audit: { type: "screening.created", data: {} },
  });
  if (!created) throw new Error("request key already taken");
  return { id, reference: created.reference };
}

const lostRace = (err: unknown) => ["23505", "40001"].includes(databaseErrorOf(err)?.code ?? "");

describe("references", () => {
  it("numbers sequentially within a year, separately per year, four digits at least", async () => {
    const a = await create(inYear(2031));
    const b = await create(inYear(2031));
    const other = await create(inYear(2032));
    const c = await create(inYear(2031));
    expect([a, b, other, c].map((s) => s.reference)).toEqual(["DD-2031-0001", "DD-2031-0002", "DD-2032-0001", "DD-2031-0003"]);
  });

  it("goes past 9999 without losing the order", async () => {
    await db.prisma.referenceCounter.create({ data: { year: 2033, last: 9999 } });
    expect((await create(inYear(2033))).reference).toBe("DD-2033-10000");
    expect((await create(inYear(2033))).reference).toBe("DD-2033-10001");
  });

  it("never hands out a number twice, even to concurrent statements", async () => {
    // a statement that loses the race for the audit chain's tail fails whole, number included,
    // and runs again, as the use cases do
    const start = async () => {
      for (let attempt = 1; ; attempt++) {
        try {
          return (await create(inYear(2034))).reference;
        } catch (err) {
          if (!lostRace(err) || attempt >= 30) throw err;
        }
      }
    };
    const refs = await Promise.all(Array.from({ length: 12 }, start));
    expect(new Set(refs).size).toBe(12);
    expect([...refs].sort()).toEqual(Array.from({ length: 12 }, (_, i) => `DD-2034-${String(i + 1).padStart(4, "0")}`));
  });

  it("a statement that fails gives its number back", async () => {
    const first = await create(inYear(2035));
    // the same id again: the insert fails, and with it the whole statement
    await expect(create(inYear(2035), { id: first.id })).rejects.toMatchObject({ code: "23505" });
    expect(first.reference).toBe("DD-2035-0001");
    expect((await create(inYear(2035))).reference).toBe("DD-2035-0002");
  });
});

describe("rule set versions", () => {
  it("are stored once, even when two writers race", async () => {
    const v = { hash: "rules-v2", label: "second", content: { pages: [{ id: "p" }] } };
    await Promise.all([ensureRuleSetVersion(db.prisma, v), ensureRuleSetVersion(db.prisma, v), ensureRuleSetVersion(db.prisma, v)]);
    const rows = await db.prisma.ruleSetVersion.findMany({ where: { hash: "rules-v2" } });
    expect(rows).toHaveLength(1);
    expect(rows[0]?.content).toEqual({ pages: [{ id: "p" }] });
  });
});

describe("answers", () => {
  const newScreening = () => create(new Date(Date.UTC(2026, 11, 1, 9, 0, 0, ticks++)));

  /** Commits changed answers (undefined clears one) at `now`, as a saved page does. */
  async function save(screeningId: string, answers: Record<string, AnswerValue | undefined>, actorId: string, now: Date): Promise<void> {
    const loaded = await loadAggregate(db.sql, { screeningId });
    if (!loaded) throw new Error("no screening");
    const result = await commitAggregate(db.sql, { state: loaded.state, change: { answers, answeredBy: actorId, audit: [], deliveries: [] }, now });
    expect(result.committed).toBe(true);
  }

  const current = async (screeningId: string) => (await loadAggregate(db.sql, { screeningId }))?.state.answers;

  /** Every answer row ever written, oldest first. */
  const history = (screeningId: string, questionId?: string) =>
    db.prisma.answer.findMany({
      where: { screeningId, ...(questionId === undefined ? {} : { questionId }) },
      orderBy: [{ createdAt: "asc" }, { supersededAt: { sort: "asc", nulls: "last" } }, { questionId: "asc" }],
    });

  it("changes and clears answers, keeping every earlier value, and reads them back as of any moment", async () => {
    const { id } = await newScreening();
    const t = (minute: number) => new Date(Date.UTC(2026, 11, 1, 10, minute));
    await save(id, { item: "spyware", functions: ["intercept", "locate"], quantity: 3 }, "UREQ", t(1));
    await save(id, { item: "thermal" }, "UEDITOR", t(2));
    await save(id, { functions: ["locate", "intercept"] }, "UREQ", t(3));
    await save(id, { quantity: undefined, never_answered: undefined }, "UREQ", t(4));

    expect(await current(id)).toEqual({ item: "thermal", functions: ["locate", "intercept"] });

    const item = await history(id, "item");
    expect(item.map((a) => [a.value, a.answeredBy, a.supersededAt === null])).toEqual([
      ["spyware", "UREQ", false],
      ["thermal", "UEDITOR", true],
    ]);
    expect(item[0]?.supersededAt?.getTime()).toBe(item[1]?.createdAt.getTime());

    const quantity = await history(id, "quantity");
    expect(quantity).toHaveLength(1);
    expect(quantity[0]).toMatchObject({ value: 3, supersededAt: t(4) });

    expect(await history(id)).toHaveLength(5);

    // any past state can be read again: nothing was overwritten
    expect(await answersAsOf(db.prisma, id, t(2))).toEqual({ item: "thermal", functions: ["intercept", "locate"], quantity: 3 });
    expect(await answersAsOf(db.prisma, id, t(4))).toEqual({ item: "thermal", functions: ["locate", "intercept"] });
  });

  it("keeps at most one current answer per question (the database enforces it)", async () => {
    const { id } = await newScreening();
    await db.prisma.answer.create({ data: { screeningId: id, questionId: "item", value: "a", answeredBy: "U" } });
    await expect(db.prisma.answer.create({ data: { screeningId: id, questionId: "item", value: "b", answeredBy: "U" } })).rejects.toThrow();
  });

  it("refuses to read back a stored value that is not an answer", async () => {
    const { id } = await newScreening();
    await db.prisma.answer.create({ data: { screeningId: id, questionId: "item", value: { not: "an answer" }, answeredBy: "U" } });
    await expect(loadAggregate(db.sql, { screeningId: id })).rejects.toThrow(/^a stored screening does not have the expected shape: answers\.item /);
    await expect(answersAsOf(db.prisma, id, new Date())).rejects.toThrow(`stored answer item of screening ${id} is not a valid answer value`);
  });

  it("answers of one screening never leak into another", async () => {
    const a = await newScreening();
    const b = await newScreening();
    await save(a.id, { item: "x" }, "U", new Date(Date.UTC(2026, 11, 1, 11, 0)));
    expect(await current(b.id)).toEqual({});
    expect(await history(b.id)).toEqual([]);
    expect(await current(a.id)).toEqual({ item: "x" });
  });
});
