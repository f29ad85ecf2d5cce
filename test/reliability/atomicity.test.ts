// Point 3, crash safety, step by step: a page's answers, the status change and the audit event
// (and a decision's escalation, screening, audit event and outbox rows) land together or not at
// all. A request writes its whole change in one statement (commitAggregate); the database is
// made to fail that statement at each table it writes in turn, through the real HTTP app: a
// temporary trigger on the table raises at the nth row the request writes there (rows of this
// screening, or this request's key), armed for that one request and dropped after it. Each
// time the failing statement is the request's only write, the person is told nothing was saved,
// nothing of it is in the database, and pressing the button again saves it once.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/store/audit.js";
import { BLOCK } from "../../src/slack/ids.js";
import type { Database } from "../../src/store/database.js";
import type { ViewSubmissionInput } from "../../src/sandbox/slack-requests.js";
import type { E2E } from "../e2e/support/harness.js";
import { answerAllPages } from "../e2e/support/scenarios.js";
import { createTestDatabase } from "../support/db.js";
import { ackOf, applyAck, escalationMessage, high, low, medium, openDecision, pageSubmission, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { hookDatabase, type SqlCall } from "./support/hooked-sql.js";
import { APPROVERS, COMPLIANCE, printFigures, startSingle } from "./support/instances.js";

let db: Database;
let e2e: E2E;
const figures = { faultsInjected: 0, partialRecords: 0, retriesSaved: 0, recordsLost: 0 };

/** The statements the bot ran while a fault was armed, and how each ended. */
let watched: Array<{ call: SqlCall; error?: unknown }> | null = null;
/** Writes through Prisma while a fault was armed ("model.method"): the request path has none. */
let prismaWrites: string[] | null = null;
const PRISMA_WRITE = /^(create|createMany|update|updateMany|upsert|delete|deleteMany|\$executeRaw|\$executeRawUnsafe|begin)$/;

beforeAll(async () => {
  db = await createTestDatabase();
  const hooked = hookDatabase(db, {
    prisma: ({ model, method }) => {
      if (prismaWrites && (PRISMA_WRITE.test(method) || PRISMA_WRITE.test(model))) prismaWrites.push(`${model}.${method}`);
    },
    sqlAfter: (call, outcome) => {
      watched?.push("error" in outcome ? { call, error: outcome.error } : { call });
    },
  });
  // The fault: raised by a row trigger once the nth row reaches it (a sequence counts rows; it
  // is not rolled back with the failed statement, so it also says how far the statement got).
  await db.sql.query("CREATE SEQUENCE IF NOT EXISTS dd_test_fault_rows");
  await db.sql.query(`CREATE OR REPLACE FUNCTION dd_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF nextval('dd_test_fault_rows') >= TG_ARGV[0]::int THEN
    RAISE EXCEPTION 'injected fault: the write to % failed here (row %)', TG_TABLE_NAME, TG_ARGV[0];
  END IF;
  RETURN NEW;
END $$`);
  e2e = await startSingle({ database: hooked });
}, 60_000);
afterAll(async () => {
  printFigures("atomicity", figures);
  await e2e?.close();
  await db?.close();
});

/** The tables a request's commit writes, and which of their rows are this request's. */
const ROWS_OF: Record<string, (req: { screeningId: string; requestKey: string }) => string> = {
  screenings: ({ screeningId }) => `NEW.id = '${screeningId}'::uuid`,
  answers: ({ screeningId }) => `NEW.screening_id = '${screeningId}'::uuid`,
  audit_events: ({ screeningId }) => `NEW.screening_id = '${screeningId}'::uuid`,
  escalations: ({ screeningId }) => `NEW.screening_id = '${screeningId}'::uuid`,
  decisions: ({ screeningId }) => `NEW.screening_id = '${screeningId}'::uuid`,
  deliveries: ({ screeningId }) => `NEW.screening_id = '${screeningId}'::uuid`,
  processed_requests: ({ requestKey }) => `NEW.key = '${requestKey.replace(/'/g, "''")}'`,
};

/** The request key the bot claims for a view submission (src/slack/listeners/views: `view:<id>:<hash>`). */
function requestKeyOf(input: ViewSubmissionInput): string {
  return `view:${input.view.id}:${String(input.view.hash)}`;
}

/**
 * Sends `input` with a fault armed on `table` at the nth row of this request, then disarms it.
 * Checks that the fault fired in the request's one writing statement, its commit, and that
 * nothing else of the request was written; returns the bot's reply.
 */
async function sendWithFault(input: ViewSubmissionInput, screeningId: string, table: string, nth: number, ids: readonly string[] = []) {
  const requestKey = requestKeyOf(input);
  const rows = ROWS_OF[table];
  if (!rows) throw new Error(`no rows of ${table} to fail`);
  await db.sql.query("SELECT setval('dd_test_fault_rows', 1, false)");
  await db.sql.query(`CREATE TRIGGER dd_test_fault BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW WHEN (${rows({ screeningId, requestKey })}) EXECUTE FUNCTION dd_test_fault('${nth}')`);
  watched = [];
  prismaWrites = [];
  let statements: Array<{ call: SqlCall; error?: unknown }>;
  let throughPrisma: string[];
  let reply;
  try {
    reply = await sendSubmission(e2e, input);
  } finally {
    statements = watched;
    throughPrisma = prismaWrites;
    watched = null;
    prismaWrites = null;
    await db.sql.query(`DROP TRIGGER IF EXISTS dd_test_fault ON ${table}`);
  }
  expect(throughPrisma, "writes or transactions through Prisma during the request").toEqual([]);
  const [counter] = await db.sql.query<{ last_value: string | number; is_called: boolean }>("SELECT last_value, is_called FROM dd_test_fault_rows");
  const rowsReached = counter?.is_called ? Number(counter.last_value) : 0;
  expect(rowsReached, `rows of ${table} the request reached`).toBe(nth);

  // this request's statements: those naming its screening, escalation or key (not the outbox's polling)
  const mine = statements.filter(({ call }) => {
    const params = JSON.stringify(call.params);
    return [screeningId, requestKey, ...ids].some((id) => params.includes(id));
  });
  const writes = mine.filter(({ call }) => call.writes.length > 0);
  expect(writes.map(({ call }) => call.kind), "the request's writing statements").toEqual(["commit"]);
  const commit = writes[0]!;
  expect(commit.call.writes).toContain(table);
  expect(String((commit.error as Error | undefined)?.message)).toBe(`injected fault: the write to ${table} failed here (row ${nth})`);
  figures.faultsInjected++;
  return reply;
}

/** Everything the database holds about one screening, to compare before and after a failed request. */
async function snapshot(screeningId: string) {
  const p = db.prisma;
  const [screening, answers, audit, escalation, decisions, deliveries, keys] = await Promise.all([
    p.screening.findUniqueOrThrow({ where: { id: screeningId } }),
    p.answer.findMany({ where: { screeningId }, orderBy: { id: "asc" } }),
    p.auditEvent.count({ where: { screeningId } }),
    p.escalation.findUnique({ where: { screeningId } }),
    p.decision.count({ where: { screeningId } }),
    p.delivery.count({ where: { screeningId } }),
    p.processedRequest.count(),
  ]);
  return {
    status: screening.status,
    version: screening.version,
    currentPage: screening.currentPage,
    updatedAt: screening.updatedAt.toISOString(),
    answers: answers.length,
    current: answers.filter((a) => a.supersededAt === null).length,
    audit,
    escalation: escalation && { status: escalation.status, version: escalation.version, round: escalation.round },
    decisions,
    deliveries,
    keys,
  };
}

async function unchanged(screeningId: string, before: Awaited<ReturnType<typeof snapshot>>): Promise<void> {
  const after = await snapshot(screeningId);
  if (JSON.stringify(after) !== JSON.stringify(before)) figures.partialRecords++;
  expect(after).toEqual(before);
}

describe("a page submission", () => {
  const steps: Array<[string, number]> = [
    ["answers", 1],
    ["answers", 2],
    ["screenings", 1],
    ["audit_events", 1],
    ["processed_requests", 1],
  ];
  it.each(steps)("failing at %s (row %i) saves none of the page; the same submission then saves it once", async (table, nth) => {
    const person = e2e.person(`UATOMPAGE${table.toUpperCase()}${nth}`);
    await person.command("new");
    const screening = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const before = await snapshot(screening.id);
    const input = pageSubmission(e2e, person, low.answers);

    const failed = await sendWithFault(input, screening.id, table, nth);
    expect(failed.status).toBe(200);
    expect(ackOf(failed).response_action).toBe("errors");
    expect(Object.values(ackOf(failed).errors ?? {}).join(" ")).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);

    const retried = await sendSubmission(e2e, input);
    expect(ackOf(retried).response_action).toBe("update");
    const after = await snapshot(screening.id);
    expect(after.answers).toBeGreaterThan(1);
    expect(after.audit).toBe(before.audit + 1);
    expect(after.keys).toBe(before.keys + 1);
    expect(after.version).toBe(before.version + 1);
    expect(after.currentPage).not.toBe(before.currentPage);
    figures.retriesSaved++;
    applyAck(e2e, input.view.id, retried);
  });
});

describe("submitting the review", () => {
  const steps: Array<[string, number]> = [
    ["audit_events", 1],
    ["audit_events", 2],
    ["screenings", 1],
    ["escalations", 1],
    ["deliveries", 1],
    ["deliveries", 2],
    ["processed_requests", 1],
  ];
  it.each(steps)("failing at %s (row %i) leaves the draft as it was, posts nothing; the same submission then escalates once", async (table, nth) => {
    const person = e2e.person(`UATOMSUB${table.toUpperCase()}${nth}`);
    await person.command("new");
    await answerAllPages(person, high.answers);
    const screening = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const before = await snapshot(screening.id);
    const input = person.submission({});
    const posted = e2e.api.callsTo("chat.postMessage").length;

    const failed = await sendWithFault(input, screening.id, table, nth);
    expect(JSON.stringify(ackOf(failed).view)).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);
    await e2e.settle();
    expect(e2e.api.callsTo("chat.postMessage").length).toBe(posted);

    const retried = await sendSubmission(e2e, input);
    expect(JSON.stringify(ackOf(retried).view)).toContain(screening.reference);
    await e2e.settle();
    const after = await snapshot(screening.id);
    expect(after.status).toBe("escalated");
    expect(after.escalation).toMatchObject({ status: "open", round: 1 });
    expect(after.keys).toBe(before.keys + 1);
    expect(e2e.api.messages(COMPLIANCE).filter((m) => m.text.includes(screening.reference))).toHaveLength(1);
    figures.retriesSaved++;
  });
});

describe("a decision", () => {
  const steps: Array<[string, number]> = [
    ["decisions", 1],
    ["escalations", 1],
    ["screenings", 1],
    ["audit_events", 1],
    ["deliveries", 1],
    ["deliveries", 2],
    ["processed_requests", 1],
  ];
  it.each(steps)("failing at %s (row %i) records nothing of it; the same submission then records it once", async (table, nth) => {
    const screening = await submitScreening(e2e, e2e.person(`UATOMDEC${table.toUpperCase()}${nth}`), medium.answers);
    const { escalationId, ts } = await escalationMessage(e2e, screening.id);
    await e2e.settle();
    const approver = await openDecision(e2e, APPROVERS[0]!, ts, "reject", escalationId);
    const input = approver.submission(rationaleState("Credible reports of misuse."));
    const before = await snapshot(screening.id);

    const failed = await sendWithFault(input, screening.id, table, nth, [escalationId]);
    expect(ackOf(failed).response_action).toBe("errors");
    expect(ackOf(failed).errors?.[BLOCK.rationale]).toMatch(/nothing was saved/i);
    await unchanged(screening.id, before);

    const retried = await sendSubmission(e2e, input);
    expect(ackOf(retried).response_action).toBe("clear");
    await e2e.settle();
    const after = await snapshot(screening.id);
    expect(after).toMatchObject({ status: "rejected", decisions: 1, escalation: { status: "rejected" }, keys: before.keys + 1 });
    expect(await db.prisma.auditEvent.count({ where: { screeningId: screening.id, type: "decision.recorded" } })).toBe(1);
    figures.retriesSaved++;
  });
});

describe("after every injected failure", () => {
  it("the audit chain is intact, nothing is half-written and no fault is left armed", async () => {
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
    expect(await db.prisma.screening.count({ where: { status: "submitted" } })).toBe(0);
    // every decision has its audit event, every escalation its opening event
    const decisions = await db.prisma.decision.findMany();
    const recorded = await db.prisma.auditEvent.findMany({ where: { type: "decision.recorded" } });
    const lost = decisions.filter((d) => !recorded.some((e) => (e.data as { decisionId?: string }).decisionId === d.id)).length;
    const escalations = await db.prisma.escalation.findMany();
    const opened = await db.prisma.auditEvent.findMany({ where: { type: "escalation.opened" } });
    const unopened = escalations.filter((x) => opened.filter((e) => (e.data as { escalationId?: string }).escalationId === x.id).length !== 1).length;
    figures.recordsLost += lost + unopened;
    expect(lost).toBe(0);
    expect(unopened).toBe(0);
    expect(escalations.length).toBeGreaterThan(0);
    expect(figures.partialRecords).toBe(0);
    expect(await db.sql.query("SELECT tgname FROM pg_trigger WHERE tgname = 'dd_test_fault'")).toEqual([]);
  });
});
