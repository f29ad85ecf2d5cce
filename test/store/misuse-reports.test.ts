// Misuse reports in the database (src/store/misuse-reports.ts): created with their reference,
// audit event and outbox row in one statement (once per request key), changed with a version
// check, hash-chained into the same audit trail; an anonymous report never holds its reporter.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { decideAcknowledge, decideClose, reportCreatedEvent, type ReportContent } from "../../src/domain/misuse-reports.js";
import { verifyAuditChain } from "../../src/store/audit.js";
import type { Database } from "../../src/store/database.js";
import { commitMisuseReport, createMisuseReport, loadMisuseReport, type NewMisuseReport } from "../../src/store/misuse-reports.js";
import { countingSql } from "../../src/store/sql.js";
import { createTestDatabase } from "../support/db.js";

let db: Database;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db?.close();
});

const now = new Date("2026-12-01T10:00:00.000Z");
const content: ReportContent = {
  item: "Thermal cameras",
  parties: "Northland Border Guard",
  country: "DE",
  happened: "Filmed a demonstration.",
  evidence: ["https://news.example.org/a"],
  screeningReference: null,
  anonymous: true,
};

function newReport(over: Partial<NewMisuseReport> = {}): NewMisuseReport {
  return {
    id: randomUUID(),
    reporterId: null,
    anonymous: true,
    teamId: "T1",
    item: content.item,
    parties: content.parties,
    country: content.country,
    happened: content.happened,
    evidence: content.evidence,
    screeningId: null,
    source: null,
    channelId: "C0COMPLIANCE",
    ...over,
  };
}

async function create(report: NewMisuseReport, requestKey?: string) {
  const event = reportCreatedEvent({ reportId: report.id, reporterId: "UREP", content: { ...content, anonymous: report.anonymous }, via: "command" });
  return createMisuseReport(db.sql, { report, requestKey, now, audit: event, deliveryId: randomUUID() });
}

describe("misuse reports in the store", () => {
  it("creates a report, its reference, its audit event and the delivery that posts it in one statement, once per request key", async () => {
    const sql = countingSql(db.sql);
    const report = newReport();
    const event = reportCreatedEvent({ reportId: report.id, reporterId: "UREP", content, via: "command" });
    const created = await createMisuseReport(sql, { report, requestKey: "view:V1:h1", now, audit: event, deliveryId: randomUUID() });
    expect(sql.count).toBe(1);
    expect(created?.reference).toBe("MR-2026-0001");
    const again = await createMisuseReport(db.sql, { report: { ...report, id: randomUUID() }, requestKey: "view:V1:h1", now, audit: event, deliveryId: randomUUID() });
    expect(again).toBeNull();
    expect(await db.prisma.misuseReport.count()).toBe(1);

    const row = await db.prisma.misuseReport.findUniqueOrThrow({ where: { id: report.id } });
    expect(row).toMatchObject({ reference: "MR-2026-0001", status: "open", anonymous: true, reporterId: null });
    const ev = await db.prisma.auditEvent.findFirstOrThrow({ where: { type: "report.created" } });
    expect(ev).toMatchObject({ actorId: "anonymous", screeningId: null });
    expect(ev.data).toMatchObject({ reference: "MR-2026-0001", restricted: { reporter: "UREP" } });
    const delivery = await db.prisma.delivery.findFirstOrThrow({ where: { kind: "sync_misuse_report" } });
    expect(delivery).toMatchObject({ screeningId: null, status: "pending", payload: { kind: "sync_misuse_report", reportId: report.id } });
    expect((await create(newReport()))?.reference).toBe("MR-2026-0002");
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
  });

  it("refuses to keep a reporter on an anonymous report, even if asked to", async () => {
    const id = randomUUID();
    await expect(
      db.sql.query(
        `INSERT INTO misuse_reports (id, reference, status, anonymous, reporter_id, item, parties, country, happened, channel_id, created_at, updated_at)
         VALUES ($1::uuid, 'MR-2026-9999', 'open', true, 'UREP', 'x', 'y', 'DE', 'z', 'C1', now(), now())`,
        [id],
      ),
    ).rejects.toThrow(/misuse_reports_anonymous_no_reporter/);
  });

  it("changes a report only at the version it was read, with its audit event and delivery", async () => {
    const report = newReport({ anonymous: false, reporterId: "UREP" });
    await create(report);
    const loaded = await loadMisuseReport(db.sql, report.id);
    expect(loaded?.report).toMatchObject({ status: "open", reporterId: "UREP", version: 0, evidence: ["https://news.example.org/a"], acknowledged: null });
    const approver = { userId: "UAPP", isApprover: true };
    const ack = decideAcknowledge(loaded!.report, approver, now);
    if (ack.kind !== "change") throw new Error("refused");
    const committed = await commitMisuseReport(db.sql, { reportId: report.id, version: 0, change: ack.change, requestKey: "action:a1", now, deliveryIds: [randomUUID()] });
    expect(committed).toMatchObject({ committed: true, deliveryIds: [expect.any(String)] });
    // a second writer that read version 0 writes nothing
    const close = decideClose(loaded!.report, approver, "Nothing found.", now);
    if (close.kind !== "change") throw new Error("refused");
    const events = await db.prisma.auditEvent.count();
    expect(await commitMisuseReport(db.sql, { reportId: report.id, version: 0, change: close.change, now, deliveryIds: [randomUUID()] })).toEqual({ committed: false });
    expect(await db.prisma.auditEvent.count()).toBe(events);
    const after = await loadMisuseReport(db.sql, report.id, "action:a1");
    expect(after).toMatchObject({ seen: true, report: { status: "acknowledged", version: 1, acknowledged: { by: "UAPP", at: now } } });
    expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });
  });
});
