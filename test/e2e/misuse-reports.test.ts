// Misuse reports end to end, through the real HTTP app on the embedded database with the shipped
// rules: anyone reports (`/screening report`, or the Report misuse message shortcut), bad input is
// answered field by field and records nothing, the report is posted to the compliance channel as
// its own message, approvers acknowledge it, open a reassessment (the named screening and another
// with the same end user go back under review, their requesters are told) and close it with a
// rationale; anyone else's click is refused and audited; an anonymous reporter is named nowhere but
// the audit trail's restricted field.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newTriggerId, slackTimestamp } from "../../src/sandbox/ids.js";
import { DEFAULT_IDENTITY } from "../../src/sandbox/identity.js";
import { FORM_CONTENT_TYPE } from "../../src/sandbox/slack-requests.js";
import { ACTION, BLOCK, CALLBACK, SHORTCUT } from "../../src/slack/ids.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type HttpReply, type ViewJson } from "./support/harness.js";
import { clickDecision } from "./support/decisions.js";
import { fillState, type AnswerInput, type StateValues } from "./support/fill.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const APPROVER = APPROVERS[0] ?? "";
const REPORTER = "UREPORTER7";
const OUTSIDER = "UOUTSIDER7";
const END_USER = "Northland Border Guard";

const medium = scenario("medium_drone_border_authority");
const low = scenario("low_thermal_camera_private_factory");

interface Button {
  text: string;
  actionId: string;
  value: string;
}

function buttonsIn(message: { blocks?: unknown[] } | undefined): Button[] {
  const out: Button[] = [];
  for (const b of message?.blocks ?? []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; value?: string; text?: { text?: string } }> };
    if (block.type !== "actions") continue;
    for (const el of block.elements ?? []) if (el.type === "button") out.push({ text: String(el.text?.text), actionId: String(el.action_id), value: String(el.value) });
  }
  return out;
}

/** What a person can read in a message or view: its texts, HTML entities undone. */
function readable(payload: unknown): string {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x !== "object" || x === null) return;
    const r = x as Record<string, unknown>;
    if ((r.type === "mrkdwn" || r.type === "plain_text") && typeof r.text === "string") out.push(r.text);
    for (const v of Object.values(r)) walk(v);
  };
  walk(payload);
  return out.join("\n").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function reportForm(values: Record<string, AnswerInput | undefined>, view: ViewJson): StateValues {
  return fillState(view, values, "report_");
}

function errorsOf(reply: HttpReply): Record<string, string> {
  const body = reply.json as { response_action?: string; errors?: Record<string, string> } | undefined;
  expect(body?.response_action).toBe("errors");
  return body?.errors ?? {};
}

describe("misuse reports", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const screening = async (reference: string) => e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: { include: { decisions: true } } } });
  const reportMessage = (reference: string) => e2e.api.messages(COMPLIANCE).find((m) => m.text.includes(`Misuse report ${reference}`));
  const escalationMessage = (reference: string) => e2e.api.messages(COMPLIANCE).find((m) => m.text.startsWith(`${reference}:`));

  it("takes a report from anyone, answers bad input field by field, and acknowledges, reassesses and closes it with approvers only", async () => {
    // Three earlier deals: one approved and one cleared for the same end user (written differently), one cleared for another.
    const approvedRef = await completeScreening(e2e.person("UREQAPPROVED"), { ...medium.answers, end_user_name: END_USER });
    await e2e.settle();
    const first = await screening(approvedRef);
    expect(first.status).toBe("escalated");
    const approverPerson = e2e.person(APPROVER);
    const approve = await clickDecision(e2e, approverPerson, escalationMessage(approvedRef)?.ts ?? "", "approve", first.escalation?.id ?? "");
    expect(approve.kind).toBe("form");
    await approverPerson.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Border use, vetted." } } });
    await e2e.settle();
    expect((await screening(approvedRef)).status).toBe("approved");

    const clearedRef = await completeScreening(e2e.person("UREQCLEARED"), { ...low.answers, end_user_name: "NORTHLAND BORDER GUARD." });
    const otherRef = await completeScreening(e2e.person("UREQOTHER"), { ...low.answers, end_user_name: "Southland Dairy Cooperative" });
    await e2e.settle();
    expect((await screening(clearedRef)).status).toBe("cleared");
    expect((await screening(clearedRef)).escalation).toBeNull();
    expect((await screening(otherRef)).status).toBe("cleared");

    // Anyone opens the form.
    const reporter = e2e.person(REPORTER);
    await reporter.command("report");
    const form = reporter.requireView().view;
    expect(form.callback_id).toBe(CALLBACK.misuseReport);
    expect(form.title?.text).toBe("Report misuse");
    const blockIds = (form.blocks ?? []).filter((b) => b.type === "input").map((b) => b.block_id);
    expect(blockIds).toEqual(Object.values(BLOCK.report));

    // Bad input first: every problem under its field, nothing recorded.
    const bad = errorsOf(
      await reporter.submit(
        reportForm({ item: " ", parties: "unknown", happened: "They track people at the border crossing.", evidence: "see the newspaper article", screening: "DD-26-1" }, form),
      ),
    );
    expect(Object.keys(bad).sort()).toEqual([BLOCK.report.country, BLOCK.report.evidence, BLOCK.report.item, BLOCK.report.parties, BLOCK.report.screening].sort());
    expect(bad[BLOCK.report.item]).toMatch(/Say what we sold/);
    expect(bad[BLOCK.report.country]).toBe("Choose the country where it happened.");
    expect(bad[BLOCK.report.evidence]).toMatch(/one link per line/);
    expect(bad[BLOCK.report.screening]).toMatch(/looks like DD-2026-0007/);
    const good = {
      item: "Surveillance drones with thermal cameras",
      parties: END_USER,
      country: "DE",
      happened: "A newspaper reports the drones filmed a peaceful <!channel> demonstration & identified organisers.",
      evidence: "https://news.example.org/drones-at-the-border\nhttps://ngo.example.net/report.pdf",
      anonymous: ["anonymous"],
    };
    const unknownRef = errorsOf(await reporter.submit(reportForm({ ...good, screening: "DD-2026-9999" }, form)));
    expect(unknownRef).toEqual({ [BLOCK.report.screening]: expect.stringMatching(/^No screening has the reference DD-2026-9999\./) });
    expect(await e2e.db.prisma.misuseReport.count()).toBe(0);
    expect(await e2e.db.prisma.auditEvent.count({ where: { type: "report.created" } })).toBe(0);

    // Then a good, anonymous report naming the approved screening.
    const sent = await reporter.submit(reportForm({ ...good, screening: approvedRef.toLowerCase() }, form));
    expect(sent.json).toEqual({ response_action: "update", view: expect.anything() });
    const receipt = readable(reporter.requireView().view);
    const reportRef = /MR-\d{4}-\d{4}/.exec(receipt)?.[0] ?? "";
    expect(reportRef).not.toBe("");
    expect(receipt).toMatch(/without your name/);
    await e2e.settle();

    const row = await e2e.db.prisma.misuseReport.findUniqueOrThrow({ where: { reference: reportRef } });
    expect(row).toMatchObject({ status: "open", anonymous: true, reporterId: null, country: "DE", parties: END_USER, evidence: ["https://news.example.org/drones-at-the-border", "https://ngo.example.net/report.pdf"] });
    const posted = reportMessage(reportRef);
    expect(posted, "the report is its own message in the compliance channel").toBeDefined();
    const text = readable(posted);
    expect(text).toContain("*Reported by*\n_Anonymous_");
    expect(text).toContain(approvedRef);
    expect(text).toContain("https://news.example.org/drones-at-the-border");
    // what the reporter typed is shown, never acted on
    expect(JSON.stringify(posted)).not.toContain("<!channel>");
    expect(JSON.stringify(posted)).toContain("&lt;!channel&gt; demonstration &amp; identified");
    expect(buttonsIn(posted).map((b) => b.text)).toEqual(["Acknowledge", "Open reassessment", "Close with rationale"]);
    expect(buttonsIn(posted).every((b) => b.value === row.id)).toBe(true);

    // Anonymity: the reporter is only in the audit trail's restricted field.
    const created = await e2e.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "report.created" } });
    expect(created.actorId).toBe("anonymous");
    expect(created.screeningId).toBeNull();
    expect(created.data).toMatchObject({ reportId: row.id, reference: reportRef, anonymous: true, restricted: { reporter: REPORTER } });

    // Someone who is not an approver clicks: refused privately, audited, nothing changes.
    const outsider = e2e.person(OUTSIDER);
    await outsider.clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.acknowledge, row.id);
    const refusal = e2e.api.ephemerals({ user: OUTSIDER, channel: COMPLIANCE }).at(-1);
    expect(refusal?.text).toMatch(/^Only compliance approvers can act on misuse reports \(Acknowledge\)\. Nothing was changed\./);
    await outsider.clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.reassess, row.id);
    expect(e2e.api.ephemerals({ user: OUTSIDER, channel: COMPLIANCE }).at(-1)?.text).toMatch(/Only compliance approvers can act on misuse reports \(Open reassessment\)/);
    const refusals = await e2e.db.prisma.auditEvent.findMany({ where: { type: "report.refused", actorId: OUTSIDER }, orderBy: { seq: "asc" } });
    expect(refusals.map((e) => e.data)).toEqual([
      { reportId: row.id, reference: reportRef, action: "acknowledge", reason: "not_approver" },
      { reportId: row.id, reference: reportRef, action: "reassess", reason: "not_approver" },
    ]);
    expect(await e2e.db.prisma.misuseReport.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "open", version: 0 });
    expect((await screening(approvedRef)).status).toBe("approved");

    // An approver acknowledges: the message is updated in place.
    await approverPerson.clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.acknowledge, row.id);
    await e2e.settle();
    expect(await e2e.db.prisma.misuseReport.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "acknowledged", acknowledgedBy: APPROVER });
    const acknowledged = e2e.api.message(COMPLIANCE, posted?.ts ?? "");
    expect(readable(acknowledged)).toContain(`Acknowledged by <@${APPROVER}>`);
    expect(buttonsIn(acknowledged).map((b) => b.text)).toEqual(["Open reassessment", "Close with rationale"]);
    expect(e2e.api.messages(COMPLIANCE).filter((m) => m.text.includes(`Misuse report ${reportRef}`))).toHaveLength(1);
    // a button that is not ours is refused as unreadable
    await e2e.person(APPROVERS[1] ?? "").clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.reassess, "not-a-report-id");
    expect(e2e.api.ephemerals({ user: APPROVERS[1] ?? "" }).at(-1)?.text).toMatch(/could not be read\. Nothing was changed/);

    // Open reassessment: the named screening and the other one with the same end user go back under review.
    const dmsBefore = { approved: e2e.api.dms("UREQAPPROVED").length, cleared: e2e.api.dms("UREQCLEARED").length, other: e2e.api.dms("UREQOTHER").length };
    await approverPerson.clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.reassess, row.id);
    await e2e.settle();
    const summary = e2e.api.ephemerals({ user: APPROVER, channel: COMPLIANCE }).at(-1)?.text ?? "";
    expect(summary).toContain(`Reassessment opened for ${reportRef}: 2 screenings are under review (${approvedRef}, ${clearedRef})`);

    const reopened = await screening(approvedRef);
    expect(reopened.status).toBe("escalated");
    expect(reopened.escalation).toMatchObject({ status: "open", round: 2 });
    const firstReview = await screening(clearedRef);
    expect(firstReview.status).toBe("escalated");
    expect(firstReview.escalation).toMatchObject({ status: "open", round: 1, requiredApprovals: 1 });
    expect((await screening(otherRef)).status).toBe("cleared");

    // their escalation messages offer the decision again (the approved one updated in place, the cleared one posted)
    expect(buttonsIn(escalationMessage(approvedRef)).map((b) => b.text)).toContain("Approve");
    expect(buttonsIn(escalationMessage(clearedRef)).map((b) => b.text)).toContain("Approve");
    for (const ref of [approvedRef, clearedRef]) {
      const thread = escalationMessage(ref)?.replies ?? [];
      expect(thread.some((r) => readable(r).includes(`Under review:* misuse report *${reportRef}*`)), `thread note on ${ref}`).toBe(true);
    }
    // their requesters are told; the requester of the unrelated deal is not
    const newDm = (user: string, before: number) => e2e.api.dms(user).slice(before).map(readable).join("\n");
    expect(newDm("UREQAPPROVED", dmsBefore.approved)).toMatch(new RegExp(`${approvedRef}.*under review`, "s"));
    expect(newDm("UREQAPPROVED", dmsBefore.approved)).toMatch(/do not ship, deliver, update or support anything further/);
    expect(newDm("UREQCLEARED", dmsBefore.cleared)).toMatch(new RegExp(`${clearedRef}.*under review`, "s"));
    expect(e2e.api.dms("UREQOTHER")).toHaveLength(dmsBefore.other);

    const reviewEvents = await e2e.db.prisma.auditEvent.findMany({ where: { type: "screening.under_review" }, orderBy: { seq: "asc" } });
    expect(reviewEvents.map((e) => [e.screeningId, (e.data as { previousStatus?: string }).previousStatus])).toEqual([
      [reopened.id, "approved"],
      [firstReview.id, "cleared"],
    ]);
    const opened = await e2e.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "report.reassessment_opened" } });
    expect(opened.actorId).toBe(APPROVER);
    expect(opened.data).toMatchObject({ reportId: row.id, screenings: [{ reference: approvedRef, matchedOn: "reference" }, { reference: clearedRef, matchedOn: "end_user" }] });
    const afterReassess = e2e.api.message(COMPLIANCE, posted?.ts ?? "");
    expect(readable(afterReassess)).toContain(`Reassessment opened by <@${APPROVER}>`);
    expect(buttonsIn(afterReassess).map((b) => b.text)).toEqual(["Close with rationale"]);

    // Compliance decides the reopened screening again, in its new round.
    const again = await clickDecision(e2e, approverPerson, escalationMessage(approvedRef)?.ts ?? "", "approve", reopened.escalation?.id ?? "");
    expect(again.kind).toBe("form");
    await approverPerson.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "The report concerned another unit; customer confirmed in writing." } } });
    await e2e.settle();
    const redecided = await screening(approvedRef);
    expect(redecided.status).toBe("approved");
    expect(redecided.escalation?.decisions.map((d) => d.round)).toEqual([1, 2]);

    // Close with rationale: a form asking why (required), then the report is closed.
    await approverPerson.clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.close, row.id);
    expect(approverPerson.requireView().view.callback_id).toBe(CALLBACK.misuseReportClose);
    const empty = errorsOf(await approverPerson.submit({ [BLOCK.reportRationale]: { [ACTION.reportField]: { type: "plain_text_input", value: "  " } } }));
    expect(empty[BLOCK.reportRationale]).toMatch(/Say why the report is closed/);
    const closing = await approverPerson.submit({ [BLOCK.reportRationale]: { [ACTION.reportField]: { type: "plain_text_input", value: "Reassessment done: the drones were used by another unit; contract monitoring added." } } });
    expect((closing.json as { response_action?: string }).response_action).toBe("clear");
    await e2e.settle();
    expect(await e2e.db.prisma.misuseReport.findUniqueOrThrow({ where: { id: row.id } })).toMatchObject({ status: "closed", closedBy: APPROVER, closeRationale: expect.stringMatching(/^Reassessment done/) });
    const closed = e2e.api.message(COMPLIANCE, posted?.ts ?? "");
    expect(readable(closed)).toContain(`Closed by <@${APPROVER}>`);
    expect(readable(closed)).toContain("contract monitoring added");
    expect(buttonsIn(closed)).toEqual([]);
    // a late click on the old buttons changes nothing
    await e2e.person(APPROVERS[1] ?? "").clickMessageButton(COMPLIANCE, posted?.ts ?? "", ACTION.report.acknowledge, row.id);
    expect(e2e.api.ephemerals({ user: APPROVERS[1] ?? "", channel: COMPLIANCE }).at(-1)?.text).toBe(`${reportRef} was already closed by <@${APPROVER}>. Nothing was changed.`);

    // Everything audited, in order.
    const reportEvents = await e2e.db.prisma.auditEvent.findMany({ where: { type: { startsWith: "report." }, actorId: { not: OUTSIDER } }, orderBy: { seq: "asc" } });
    expect(reportEvents.map((e) => e.type)).toEqual(["report.created", "report.acknowledged", "report.reassessment_opened", "report.closed", "report.refused"]);

    // The anonymous reporter appears in no message, update, DM, thread note or ephemeral the bot sent.
    const sentToSlack = e2e.api.calls.filter((c) => c.method.startsWith("chat."));
    expect(sentToSlack.length).toBeGreaterThan(10);
    for (const call of sentToSlack) expect(JSON.stringify(call.args), call.method).not.toContain(REPORTER);
    expect(e2e.logs.join("\n")).not.toContain(REPORTER);
  });

  it("opens the form from a message with the Report misuse shortcut, the message's link as evidence, and names a reporter who does not ask for anonymity", async () => {
    const channel = "C0GENERAL7";
    e2e.api.workspace.addChannel({ id: channel, name: "sales" });
    const said = e2e.api.workspace.postAsUser(channel, "UCOLLEAGUE", "Heard the Southland Dairy Cooperative is using our cameras to watch union meetings.");
    const witness = "UWITNESS7";
    const triggerId = newTriggerId();
    const payload = {
      type: "message_action",
      token: "sandboxVerificationToken0",
      action_ts: slackTimestamp(),
      team: { id: DEFAULT_IDENTITY.teamId, domain: DEFAULT_IDENTITY.teamDomain },
      user: { id: witness, username: "witness", team_id: DEFAULT_IDENTITY.teamId, name: "witness" },
      channel: { id: channel, name: "sales" },
      is_enterprise_install: false,
      enterprise: null,
      api_app_id: DEFAULT_IDENTITY.appId,
      callback_id: SHORTCUT.reportMisuse,
      trigger_id: triggerId,
      response_url: e2e.api.responseUrl(`shortcut-${witness}`),
      message_ts: said.ts,
      message: { type: "message", user: "UCOLLEAGUE", ts: said.ts, text: said.text },
    };
    const reply = await e2e.sender.send(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), FORM_CONTENT_TYPE);
    expect(reply.status).toBe(200);
    const open = e2e.api.calls.find((c) => c.method === "views.open" && c.args.trigger_id === triggerId);
    const viewId = (open?.response as { view?: { id?: string } } | undefined)?.view?.id ?? "";
    const view = e2e.api.view(viewId);
    expect(view?.callback_id).toBe(CALLBACK.misuseReport);
    const evidence = (view?.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>).find((b) => b.block_id === BLOCK.report.evidence)?.element?.initial_value ?? "";
    expect(evidence).toMatch(new RegExp(`^https://${DEFAULT_IDENTITY.teamDomain}\\.slack\\.com/archives/${channel}/p\\d+$`));
    const happened = (view?.blocks as Array<{ block_id?: string; element?: { initial_value?: string } }>).find((b) => b.block_id === BLOCK.report.happened)?.element?.initial_value ?? "";
    expect(happened).toContain("union meetings");

    // submitted as prefilled, with the rest filled in and without anonymity
    const values = fillState(view as unknown as ViewJson, { item: "Thermal cameras", parties: "Southland Dairy Cooperative", country: "DE", happened, evidence }, "report_");
    const submitted = await e2e.sender.viewSubmission({ user: witness, view: { ...(view ?? {}), id: viewId, state: { values } } as never });
    expect((submitted.json as { response_action?: string }).response_action).toBe("update");
    await e2e.settle();
    const row = await e2e.db.prisma.misuseReport.findFirstOrThrow({ where: { parties: "Southland Dairy Cooperative" } });
    expect(row).toMatchObject({ anonymous: false, reporterId: witness, sourceChannelId: channel, sourceMessageTs: said.ts, evidence: [evidence] });
    const message = e2e.api.messages(COMPLIANCE).find((m) => m.text.includes(`Misuse report ${row.reference}`));
    expect(readable(message)).toContain(`*Reported by*\n<@${witness}>`);
    expect(readable(message)).toContain(evidence);
    const created = await e2e.db.prisma.auditEvent.findFirstOrThrow({ where: { type: "report.created", actorId: witness } });
    expect(created.data).toMatchObject({ via: "shortcut", anonymous: false });
    expect(created.data).not.toHaveProperty("restricted");
  });
});

describe("misuse reports where anonymity is turned off (MISUSE_REPORTS_ANONYMOUS=never)", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E({ env: { MISUSE_REPORTS_ANONYMOUS: "never" } });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("offers no anonymity, and refuses a submission that asks for it anyway", async () => {
    const reporter = e2e.person("UREPORTER8");
    await reporter.command("report");
    const form = reporter.requireView().view;
    expect((form.blocks ?? []).some((b) => b.block_id === BLOCK.report.anonymous)).toBe(false);
    expect(readable(form)).not.toMatch(/without my name/i);
    const forged = {
      ...fillState(form, { item: "Drones", parties: "Northland Border Guard", country: "DE", happened: "Seen at the border." }, "report_"),
      [BLOCK.report.anonymous]: { [ACTION.reportField]: { type: "checkboxes", selected_options: [{ value: "anonymous" }] } },
    };
    const errors = errorsOf(await reporter.submit(forged));
    expect(errors).toEqual({ [BLOCK.report.item]: expect.stringMatching(/Reports cannot be anonymous here/) });
    expect(await e2e.db.prisma.misuseReport.count()).toBe(0);
  });
});
