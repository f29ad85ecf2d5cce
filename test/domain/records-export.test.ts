// The record's pure parts: building it from stored rows (answer history with old → new and
// clearing, audit events marked against the chain's verification, restricted data withheld), its
// CSV form (RFC 4180), and the retention policy's decision on deleting a record.
import { describe, expect, it } from "vitest";
import type { AggregateState } from "../../src/domain/aggregate.js";
import { chainStatement, csvRows, parseCsv, recordExport, toCsv, type StoredScreeningRecord } from "../../src/domain/records-export.js";
import { addYears, decideErasure } from "../../src/domain/records-retention.js";
import type { ScreeningRecord } from "../../src/domain/records.js";

const T = (s: string) => new Date(`2026-${s}Z`);
const ID = "0b1c2d3e-0000-4000-8000-000000000001";

function screening(over: Partial<ScreeningRecord> = {}): ScreeningRecord {
  return {
    id: ID,
    reference: "DD-2026-0042",
    requesterId: "UREQ",
    status: "approved",
    currentPage: null,
    ruleSetHash: "f".repeat(64),
    score: 31,
    tier: "medium",
    hardStop: false,
    scoring: null,
    version: 7,
    createdAt: T("03-01T09:00:00.000"),
    updatedAt: T("03-02T12:00:00.000"),
    submittedAt: T("03-01T10:00:00.000"),
    closedAt: T("03-02T12:00:00.000"),
    ...over,
  } as ScreeningRecord;
}

function stored(over: Partial<StoredScreeningRecord> = {}): StoredScreeningRecord {
  return {
    screening: screening(),
    teamId: "T1",
    ruleSetLabel: "2026-12 sample",
    ruleSet: null,
    answers: [
      { questionId: "end_user_name", value: "Acme, \"North\"", answeredBy: "UREQ", createdAt: T("03-01T09:10:00.000"), supersededAt: T("03-01T09:20:00.000") },
      { questionId: "end_user_name", value: "Acme North", answeredBy: "UREQ", createdAt: T("03-01T09:20:00.000"), supersededAt: null },
      // answered, then cleared at 09:30 (the question no longer applied), then answered again
      { questionId: "notes", value: "first", answeredBy: "UREQ", createdAt: T("03-01T09:10:00.000"), supersededAt: T("03-01T09:30:00.000") },
      { questionId: "notes", value: "again\nwith a line break", answeredBy: "UREQ", createdAt: T("03-01T09:40:00.000"), supersededAt: null },
    ],
    escalation: null,
    resolutions: [],
    audit: [
      { seq: "5", actorId: "UREQ", type: "screening.created", data: { reference: "DD-2026-0042" }, createdAt: T("03-01T09:00:00.000"), prevHash: "a", hash: "b" },
      { seq: "9", actorId: "UOTHER", type: "answers.saved", data: { page: "deal" }, createdAt: T("03-01T09:30:00.000"), prevHash: "b", hash: "c" },
      { seq: "12", actorId: "UREP", type: "report.created", data: { restricted: { reporterId: "UREP" }, item: "x" }, createdAt: T("03-03T09:00:00.000"), prevHash: "c", hash: "d" },
    ],
    ...over,
  };
}

describe("the record of a screening", () => {
  const exp = recordExport({ generatedAt: T("12-01T00:00:00.000"), scope: { kind: "screening", reference: "DD-2026-0042" }, chain: { ok: false, count: 8, brokenAt: { seq: "9", reason: "hash does not match" } }, retentionYears: 5, screenings: [stored()] });
  const [s] = exp.screenings;

  it("keeps every version of an answer, oldest first, with who, when and old → new, and when it was cleared", () => {
    expect(s?.answers.find((a) => a.questionId === "end_user_name")?.history.map((v) => [v.previous, v.display, v.answeredBy])).toEqual([
      [null, 'Acme, "North"', "UREQ"],
      ['Acme, "North"', "Acme North", "UREQ"],
    ]);
    const notes = s?.answers.find((a) => a.questionId === "notes");
    expect(notes?.history.map((v) => [v.previous, v.display, v.answeredBy, v.answeredAt])).toEqual([
      [null, "first", "UREQ", "2026-03-01T09:10:00.000Z"],
      // cleared: by whoever wrote the event of that moment
      ["first", "(cleared)", "UOTHER", "2026-03-01T09:30:00.000Z"],
      ["(cleared)", "again\nwith a line break", "UREQ", "2026-03-01T09:40:00.000Z"],
    ]);
    expect(notes?.history[1]).toMatchObject({ value: null, supersededAt: "2026-03-01T09:40:00.000Z" });
    expect(notes?.current).toBe("again\nwith a line break");
  });

  it("marks the events from the first broken one on as not verified, and says so", () => {
    expect(s?.auditEvents.map((e) => [e.seq, e.verified])).toEqual([["5", true], ["9", false], ["12", false]]);
    expect(exp.auditChain).toEqual({ intact: false, eventsChecked: 8, brokenAt: { seq: "9", reason: "hash does not match" }, statement: chainStatement({ ok: false, count: 8, brokenAt: { seq: "9", reason: "hash does not match" } }) });
    expect(exp.auditChain.statement).toBe("AUDIT TRAIL BROKEN at event seq 9: hash does not match. The 8 events before it are intact; events from seq 9 on cannot be trusted.");
  });

  it("withholds the restricted part of an event (an anonymous reporter), keeping the rest", () => {
    expect(s?.auditEvents[2]?.data).toEqual({ restricted: "[restricted: not exported]", item: "x" });
  });

  it("names the screening it re-screens and the one that re-screens it", () => {
    expect(s).toMatchObject({ renews: null, renewedBy: null, reviewDueAt: null });
    const linked = recordExport({
      generatedAt: T("12-01T00:00:00.000"),
      scope: { kind: "screening", reference: "DD-2026-0042" },
      chain: { ok: true, count: 3 },
      retentionYears: 5,
      screenings: [stored({ screening: screening({ renews: { id: "a", reference: "DD-2025-0007" }, renewedBy: { id: "b", reference: "DD-2027-0001", status: "draft", requesterId: "UREQ" }, reviewDueAt: T("09-01T00:00:00.000") }) })],
    });
    expect(linked.screenings[0]).toMatchObject({ renews: { id: "a", reference: "DD-2025-0007" }, renewedBy: { id: "b", reference: "DD-2027-0001" }, reviewDueAt: "2026-09-01T00:00:00.000Z" });
  });

  it("says how long it is kept: the retention period from its last change", () => {
    expect(s?.retention).toEqual({ years: 5, lastActivityAt: "2026-03-02T12:00:00.000Z", keepUntil: "2031-03-02T12:00:00.000Z", erasedAt: null });
  });

  it("as CSV: one row per answered question, every field quoted where RFC 4180 needs it, the chain on every row", () => {
    const rows = csvRows(exp);
    expect(rows).toHaveLength(3);
    const text = toCsv(rows);
    // the first version's quotes doubled inside the quoted history field
    expect(text).toContain('UREQ: (none) → Acme, ""North"" | 2026-03-01T09:20:00.000Z UREQ: Acme, ""North"" → Acme North"');
    expect(text.split("\r\n").at(-1)).toBe("");
    const back = parseCsv(text);
    expect(back).toEqual(rows);
    const notes = back.find((r) => r[8] === "notes");
    expect(notes?.[10]).toBe("again\nwith a line break");
    expect(notes?.[14]).toBe(
      "2026-03-01T09:10:00.000Z UREQ: (none) → first | 2026-03-01T09:30:00.000Z UOTHER: first → (cleared) | 2026-03-01T09:40:00.000Z UREQ: (cleared) → again\nwith a line break",
    );
    for (const r of back.slice(1)) expect(r.at(-1)).toMatch(/^AUDIT TRAIL BROKEN at event seq 9/);
  });

  it("lists a screening without answers in the CSV all the same", () => {
    const empty = recordExport({ generatedAt: T("12-01T00:00:00.000"), scope: { kind: "period", from: "2026-01-01", to: "2026-12-31" }, chain: { ok: true, count: 3 }, retentionYears: 5, screenings: [stored({ answers: [] })] });
    expect(csvRows(empty).slice(1)).toEqual([[...csvRows(empty)[1]!.slice(0, 10), "(no answers recorded)", "", "", "0", "", expect.stringMatching(/^Audit trail verified: intact/)]]);
  });
});

describe("toCsv / parseCsv", () => {
  it("quotes commas, quotes, CR and LF, and reads them back (a leading BOM skipped)", () => {
    const rows = [["a", "b,c", 'say "hi"', "line\r\nbreak", ""], ["ü", "华为", "", "x", "y"]];
    const text = toCsv(rows);
    expect(text).toBe('a,"b,c","say ""hi""","line\r\nbreak",\r\nü,华为,,x,y\r\n');
    expect(parseCsv(`\uFEFF${text}`)).toEqual(rows);
  });
});

describe("deleting a record (retention)", () => {
  const state = (status: ScreeningRecord["status"] = "approved"): AggregateState => ({ screening: screening({ status }), teamId: null, answers: { end_user_name: "Acme" }, drafts: {}, escalation: null });
  const base = { actorId: "cli:ops", retentionYears: 5, lastActivityAt: T("03-02T12:00:00.000"), confirmed: true, erasedBefore: false };

  it("is refused inside the retention period, saying until when, with the audit event to record", () => {
    const d = decideErasure(state(), { ...base, now: T("12-01T00:00:00.000") });
    expect(d.kind).toBe("refused");
    if (d.kind !== "refused") return;
    expect(d.refusal.message).toBe(
      "DD-2026-0042 cannot be deleted: records are kept for 5 years after their last change (RECORDS_RETENTION_YEARS), and DD-2026-0042 last changed on 2026-03-02, so it is kept until 2031-03-02. Nothing was deleted; this attempt is recorded in the audit trail.",
    );
    expect(d.refusal.audit).toEqual({ type: "record.deletion_refused", data: { reason: "retention_period", retentionYears: "5", lastActivityAt: "2026-03-02T12:00:00.000Z", keepUntil: "2031-03-02T12:00:00.000Z" } });
  });

  it("is refused one millisecond before the period ends, and allowed at its end", () => {
    const end = addYears(base.lastActivityAt, 5);
    expect(decideErasure(state(), { ...base, now: new Date(end.getTime() - 1) }).kind).toBe("refused");
    expect(decideErasure(state(), { ...base, now: end }).kind).toBe("erase");
  });

  it("is refused while the screening still waits for a decision, however old", () => {
    const d = decideErasure(state("escalated"), { ...base, now: T("12-01T00:00:00.000"), lastActivityAt: new Date("2010-01-01T00:00:00Z") });
    expect(d.kind === "refused" && d.refusal.audit?.data).toEqual({ reason: "in_progress", status: "escalated" });
  });

  it("after the period: without confirmation says so; with it, erases the content and records it", () => {
    const later = new Date("2032-01-01T00:00:00Z");
    expect(decideErasure(state(), { ...base, now: later, confirmed: false }).kind).toBe("would_erase");
    const d = decideErasure(state(), { ...base, now: later });
    expect(d.kind).toBe("erase");
    if (d.kind !== "erase") return;
    expect(d.change).toMatchObject({ erase: true, screening: { drafts: {}, scoring: null }, deliveries: [] });
    expect(d.change.audit).toEqual([expect.objectContaining({ actorId: "cli:ops", type: "record.erased" })]);
    expect(d.change.answers).toBeUndefined();
  });

  it("counts calendar years, 29 February landing on 1 March", () => {
    expect(addYears(new Date("2028-02-29T10:00:00Z"), 5).toISOString()).toBe("2033-03-01T10:00:00.000Z");
  });
});
