// Misuse reports, table by table: the form's checks, who may act on a report and when, which
// screenings a reassessment reaches, and what being put under review does to each (the status
// machine's `reassess`).
import { describe, expect, it } from "vitest";
import type { AggregateState } from "../../src/domain/aggregate.js";
import { escalationIdOf, screeningIdOf } from "../../src/domain/ids.js";
import {
  ANONYMOUS_ACTOR,
  checkEvidenceLinks,
  checkReportAction,
  checkReportInput,
  decideAcknowledge,
  decideClose,
  decidePutUnderReview,
  decideReassessmentOpened,
  rationaleProblem,
  reportCreatedEvent,
  reviewTargets,
  withoutRestricted,
  type MisuseReportRecord,
  type ReportInput,
} from "../../src/domain/misuse-reports.js";
import type { EscalationRecord } from "../../src/domain/records.js";
import { nextStatus, type ScreeningStatus } from "../../src/domain/screening.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";

const ruleSet = tinyRuleSet();
const at = new Date("2026-12-01T10:00:00Z");

const complete: ReportInput = {
  item: "PlateSense ALPR cameras",
  parties: "Northland State Police",
  country: "DE",
  happened: "Cameras used to track protesters, reported by a local newspaper.",
  evidence: "https://news.example.org/story-1\n\nhttps://ngo.example.net/report.pdf",
  screening: " dd-2026-0007 ",
};

describe("checkReportInput", () => {
  it("accepts a complete report, trimming it and reading one link per line", () => {
    const check = checkReportInput(ruleSet, complete, "allowed");
    expect(check).toEqual({
      ok: true,
      value: {
        item: "PlateSense ALPR cameras",
        parties: "Northland State Police",
        country: "DE",
        happened: "Cameras used to track protesters, reported by a local newspaper.",
        evidence: ["https://news.example.org/story-1", "https://ngo.example.net/report.pdf"],
        screeningReference: "DD-2026-0007",
        anonymous: false,
      },
    });
  });

  it("says, field by field, what is missing or wrong, all at once", () => {
    const check = checkReportInput(ruleSet, { item: "  ", parties: "unknown", country: "ZZ", happened: undefined, evidence: "see the newspaper", screening: "2026-7" }, "allowed");
    expect(check.ok).toBe(false);
    if (check.ok) return;
    expect(Object.keys(check.errors).sort()).toEqual(["country", "evidence", "happened", "item", "parties", "screening"]);
    expect(check.errors.item).toMatch(/what we sold/);
    expect(check.errors.parties).toMatch(/Name the customer or the end user/);
    expect(check.errors.country).toMatch(/not in the list/);
    expect(check.errors.happened).toMatch(/what happened/i);
    expect(check.errors.evidence).toMatch(/spaces in it: give one link per line/);
    expect(check.errors.screening).toMatch(/DD-2026-0007/);
  });

  it("asks for a country when none is chosen", () => {
    const check = checkReportInput(ruleSet, { ...complete, country: undefined }, "allowed");
    expect(check).toMatchObject({ ok: false, errors: { country: "Choose the country where it happened." } });
  });

  it("keeps an anonymous report anonymous when allowed, and refuses anonymity when the configuration says never", () => {
    expect(checkReportInput(ruleSet, { ...complete, anonymous: true }, "allowed")).toMatchObject({ ok: true, value: { anonymous: true } });
    const refused = checkReportInput(ruleSet, { ...complete, anonymous: true }, "never");
    expect(refused).toMatchObject({ ok: false, errors: { anonymous: expect.stringMatching(/cannot be anonymous here/) } });
  });

  it("refuses text that is too long, saying how long it is", () => {
    const check = checkReportInput(ruleSet, { ...complete, item: "x".repeat(301) }, "allowed");
    expect(check).toMatchObject({ ok: false, errors: { item: expect.stringMatching(/Too long: 301 characters, at most 300/) } });
  });
});

describe("checkEvidenceLinks", () => {
  it.each([
    ["ftp://files.example.org/a", /starts with ftp:/],
    ["javascript:alert(1)", /not a web link/],
    ["https://localhost/x", /does not name a web site/],
    ["https://user:secret@example.org/x", /user name or password/],
    ["example.org/story", /not a web link/],
    [`https://example.org/${"a".repeat(2001)}`, /too long for a link/],
  ])("refuses %s", (line, message) => {
    expect(checkEvidenceLinks(line)).toEqual({ ok: false, message: expect.stringMatching(message) });
  });

  it("names the line at fault when there are several", () => {
    expect(checkEvidenceLinks("https://a.example.org\nnot a link")).toEqual({ ok: false, message: expect.stringMatching(/^Line 2 /) });
  });

  it("keeps each link once and at most ten", () => {
    expect(checkEvidenceLinks("https://a.example.org\nhttps://a.example.org")).toEqual({ ok: true, links: ["https://a.example.org"] });
    const eleven = Array.from({ length: 11 }, (_, i) => `https://example.org/${i}`).join("\n");
    expect(checkEvidenceLinks(eleven)).toEqual({ ok: false, message: expect.stringMatching(/At most 10 links/) });
  });
});

describe("report.created", () => {
  const content = { item: "x", parties: "y", country: "DE", happened: "z", evidence: [], screeningReference: null };
  it("names the reporter as its actor when the report is not anonymous, with nothing restricted", () => {
    const e = reportCreatedEvent({ reportId: "r1", reporterId: "UREP", content: { ...content, anonymous: false }, via: "command" });
    expect(e.actorId).toBe("UREP");
    expect(e.data).not.toHaveProperty("restricted");
  });
  it("keeps an anonymous reporter only in the restricted part, which withoutRestricted removes", () => {
    const e = reportCreatedEvent({ reportId: "r1", reporterId: "UREP", content: { ...content, anonymous: true }, via: "shortcut" });
    expect(e.actorId).toBe(ANONYMOUS_ACTOR);
    expect(e.data).toMatchObject({ restricted: { reporter: "UREP" }, anonymous: true });
    const visible = withoutRestricted(e.data);
    expect(JSON.stringify(visible)).not.toContain("UREP");
    expect(visible).toMatchObject({ reportId: "r1", anonymous: true, via: "shortcut" });
  });
});

function report(over: Partial<MisuseReportRecord> = {}): MisuseReportRecord {
  return {
    id: "0f0e0d0c-0000-4000-8000-000000000001",
    reference: "MR-2026-0001",
    status: "open",
    anonymous: false,
    reporterId: "UREP",
    item: "cameras",
    parties: "Northland State Police",
    country: "DE",
    happened: "misuse",
    evidence: [],
    screeningId: null,
    screeningReference: null,
    source: null,
    channelId: "C0COMPLIANCE",
    messageTs: null,
    acknowledged: null,
    reassessment: null,
    closed: null,
    version: 0,
    createdAt: at,
    ...over,
  };
}
const approver = { userId: "UAPP", isApprover: true };
const outsider = { userId: "UOUT", isApprover: false };

describe("acting on a report", () => {
  it("refuses everyone but the approvers, with an audit event naming the report and the action", () => {
    for (const action of ["acknowledge", "reassess", "close"] as const) {
      const refusal = checkReportAction(report(), outsider, action);
      expect(refusal).toMatchObject({ code: "forbidden", message: expect.stringMatching(/Only compliance approvers/), audit: { type: "report.refused", data: { action, reason: "not_approver", reference: "MR-2026-0001" } } });
    }
  });

  it("acknowledges an open report once", () => {
    const d = decideAcknowledge(report(), approver, at);
    expect(d).toMatchObject({ kind: "change", change: { patch: { status: "acknowledged", acknowledged: { by: "UAPP", at } }, audit: [{ type: "report.acknowledged", actorId: "UAPP" }], deliveries: [{ kind: "sync_misuse_report" }] } });
    const again = decideAcknowledge(report({ status: "acknowledged", acknowledged: { by: "UAPP", at } }), { userId: "UAPP2", isApprover: true }, at);
    expect(again).toMatchObject({ kind: "refused", refusal: { code: "conflict", message: expect.stringMatching(/already acknowledged by <@UAPP>/) } });
  });

  it("opens one reassessment, recording the screenings under review", () => {
    const reviewed = [{ screeningId: "s1", reference: "DD-2026-0001", previousStatus: "approved" as ScreeningStatus, matchedOn: "reference" as const }];
    const d = decideReassessmentOpened(report({ status: "acknowledged" }), approver, reviewed, at);
    expect(d).toMatchObject({ kind: "change", change: { patch: { status: "reassessment", reassessment: { by: "UAPP", reviewed } }, audit: [{ type: "report.reassessment_opened", data: { screenings: [{ reference: "DD-2026-0001" }] } }] } });
    expect(decideReassessmentOpened(report({ status: "reassessment" }), approver, [], at)).toMatchObject({ kind: "refused", refusal: { code: "conflict" } });
  });

  it("closes with a rationale from any state but closed", () => {
    for (const status of ["open", "acknowledged", "reassessment"] as const) {
      expect(decideClose(report({ status }), approver, "Checked with the customer: no misuse found.", at)).toMatchObject({ kind: "change", change: { patch: { status: "closed", closed: { rationale: "Checked with the customer: no misuse found." } }, audit: [{ type: "report.closed" }] } });
    }
    const closed = report({ status: "closed", closed: { by: "UAPP", at, rationale: "done" } });
    expect(decideClose(closed, approver, "again", at)).toMatchObject({ kind: "refused", refusal: { message: expect.stringMatching(/already closed by <@UAPP>/) } });
    expect(decideAcknowledge(closed, approver, at)).toMatchObject({ kind: "refused" });
  });

  it("requires a rationale to close", () => {
    expect(rationaleProblem(ruleSet, "   ")).toEqual({ message: expect.stringMatching(/Say why the report is closed/) });
    expect(rationaleProblem(ruleSet, " Found nothing. ")).toEqual({ value: "Found nothing." });
  });
});

describe("reviewTargets", () => {
  const c = (reference: string, status: ScreeningStatus, endUser: string | null) => ({ id: `id-${reference}`, reference, status, endUser });
  it("takes the named screening, then every reviewable one whose end user normalises to a name the report or the named screening gives", () => {
    const linked = c("DD-2026-0005", "approved", "Northland State Police");
    const candidates = [
      linked,
      c("DD-2026-0009", "cleared", "NORTHLAND STATE POLICE."),
      c("DD-2026-0002", "escalated", "State Police, Northland"),
      c("DD-2026-0003", "approved", "Southland City Council"),
      c("DD-2026-0004", "draft", "Northland State Police"),
      c("DD-2026-0006", "rejected", "Northland State Police"),
      c("DD-2026-0007", "approved", "Acme Trading LLC"),
    ];
    const targets = reviewTargets({ linked, reportParties: "Acme Trading\nunknown", candidates });
    expect(targets.map((t) => [t.screening.reference, t.matchedOn])).toEqual([
      ["DD-2026-0005", "reference"],
      ["DD-2026-0002", "end_user"],
      ["DD-2026-0007", "end_user"],
      ["DD-2026-0009", "end_user"],
    ]);
  });
  it("reaches nothing on a placeholder name alone", () => {
    expect(reviewTargets({ linked: null, reportParties: "unknown", candidates: [c("DD-2026-0001", "approved", "Unknown")] })).toEqual([]);
  });
});

describe("putting a screening under review", () => {
  const sid = screeningIdOf("5a5a5a5a-0000-4000-8000-000000000001");
  const eid = escalationIdOf("6b6b6b6b-0000-4000-8000-000000000001");
  const newEid = escalationIdOf("7c7c7c7c-0000-4000-8000-000000000001");
  const escalation = (status: EscalationRecord["status"]): EscalationRecord => ({
    id: eid,
    screeningId: sid,
    channelId: "C0COMPLIANCE",
    messageTs: "1700000000.000100",
    requiredApprovals: 2,
    status,
    round: 1,
    version: 3,
    createdAt: at,
    closedAt: status === "approved" ? at : null,
    decisions: [],
  });
  const state = (status: ScreeningStatus, esc: EscalationRecord | null): AggregateState => ({
    screening: {
      id: sid,
      reference: "DD-2026-0005",
      requesterId: "UREQ",
      status,
      currentPage: null,
      ruleSetHash: "h",
      score: 10,
      tier: "low",
      hardStop: false,
      scoring: null,
      version: 4,
      createdAt: at,
      updatedAt: at,
      submittedAt: at,
      closedAt: status === "approved" || status === "cleared" ? at : null,
    } as AggregateState["screening"],
    teamId: null,
    answers: {},
    drafts: {},
    escalation: esc,
  });
  const cmd = { report: { id: "r1", reference: "MR-2026-0001" }, actorId: "UAPP", complianceChannelId: "C0COMPLIANCE", newEscalationId: newEid, now: at };

  it("is the status machine's reassess: approved and cleared go back to escalated, nothing else moves", () => {
    expect(nextStatus("approved", "reassess")).toBe("escalated");
    expect(nextStatus("cleared", "reassess")).toBe("escalated");
    for (const s of ["draft", "escalated", "info_requested", "rejected"] as const) expect(nextStatus(s, "reassess")).toBeUndefined();
  });

  it("reopens an approved screening's escalation in a new round, and tells its thread and its requester", () => {
    const d = decidePutUnderReview(state("approved", escalation("approved")), cmd);
    expect(d).toMatchObject({
      kind: "review",
      previousStatus: "approved",
      reopened: true,
      change: {
        screening: { status: "escalated", closedAt: null },
        escalation: { update: { id: eid, version: 3, status: "open", round: 2, requiredApprovals: 2, closedAt: null } },
        audit: [{ type: "screening.under_review", actorId: "UAPP", data: { reportId: "r1", reportReference: "MR-2026-0001", previousStatus: "approved", round: 2, reopened: true } }],
        deliveries: [
          { kind: "sync_escalation", escalationId: eid },
          { kind: "thread_misuse_review", escalationId: eid, reportId: "r1", reopened: true, by: "UAPP" },
          { kind: "dm_under_review", screeningId: sid, reportId: "r1", reopened: true },
        ],
      },
    });
  });

  it("opens a first escalation for a cleared screening that never had one", () => {
    const d = decidePutUnderReview(state("cleared", null), cmd);
    expect(d).toMatchObject({ kind: "review", change: { screening: { status: "escalated" }, escalation: { create: { id: newEid, channelId: "C0COMPLIANCE", requiredApprovals: 1 } } } });
  });

  it("leaves a screening compliance holds already where it is, noting the report", () => {
    const d = decidePutUnderReview(state("escalated", escalation("open")), cmd);
    expect(d).toMatchObject({ kind: "review", reopened: false, previousStatus: "escalated" });
    if (d.kind !== "review") return;
    expect(d.change.screening).toBeUndefined();
    expect(d.change.escalation).toBeUndefined();
    expect(d.change.deliveries.map((x) => x.kind)).toEqual(["thread_misuse_review", "dm_under_review"]);
  });

  it("skips drafts and rejected screenings", () => {
    expect(decidePutUnderReview(state("draft", null), cmd).kind).toBe("skip");
    expect(decidePutUnderReview(state("rejected", escalation("rejected")), cmd).kind).toBe("skip");
  });
});
