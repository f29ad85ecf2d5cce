// Reminders end to end, with a clock the test moves: the real HTTP app on the real database with
// the shipped rules, driven by signed Slack requests. A draft left untouched reminds its
// requester once (with Resume, which works); an escalation waiting for a decision reminds in its
// thread and by DM the approvers who have not decided, once per due moment, at escalating
// intervals; a daily digest lists what waits; quiet weekends wait for Monday; the Home tab says
// what is due and for how long.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMessage } from "../../src/sandbox/slack-api.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { DAY, HOUR, nextWeekdayAt, startClockedE2E, type ClockedE2E } from "./support/clocked.js";
import { clickDecision } from "./support/decisions.js";
import { APPROVERS, COMPLIANCE } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const low = scenario("low_thermal_camera_private_factory");
const high = scenario("high_lawful_interception_police_no_safeguards");
const WEDNESDAY = 3;
const MINUTE = 60_000;

function textOf(m: { text?: string; blocks?: unknown[] }): string {
  return `${m.text ?? ""} ${JSON.stringify(m.blocks ?? [])}`;
}

function buttonsOf(m: { blocks?: unknown[] } | undefined): Array<{ actionId: string; value: string; text: string }> {
  const out: Array<{ actionId: string; value: string; text: string }> = [];
  const visit = (el: unknown) => {
    const e = el as { type?: string; action_id?: string; value?: string; text?: { text?: string } };
    if (e?.type === "button") out.push({ actionId: String(e.action_id), value: String(e.value), text: String(e.text?.text) });
  };
  for (const b of m?.blocks ?? []) {
    const block = b as { accessory?: unknown; elements?: unknown[] };
    if (block.accessory) visit(block.accessory);
    for (const el of block.elements ?? []) visit(el);
  }
  return out;
}

async function claimsOf(e2e: ClockedE2E): Promise<string[]> {
  const rows = await e2e.db.sql.query<{ key: string }>("SELECT key FROM reminder_claims ORDER BY created_at, key");
  return rows.map((r) => r.key);
}

/** The requester starts a screening, saves its first page and closes the modal: a draft. */
async function leaveDraft(e2e: ClockedE2E, userId: string): Promise<{ id: string; reference: string }> {
  const person = e2e.person(userId);
  await person.command("new");
  await person.submitPage(low.answers);
  await person.closeView();
  await e2e.settle();
  const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: userId } });
  expect(row.status).toBe("draft");
  return { id: row.id, reference: row.reference };
}

describe("a draft left untouched", () => {
  let e2e: ClockedE2E;
  beforeAll(async () => {
    e2e = await startClockedE2E({ start: nextWeekdayAt(WEDNESDAY, 10) });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const reminders = (userId: string) => e2e.api.dms(userId).filter((m) => /still a draft/.test(m.text));

  it("reminds its requester once, after three days, with a Resume button", async () => {
    const draft = await leaveDraft(e2e, "UDRAFTER");
    e2e.clock.advance(3 * DAY - MINUTE);
    await e2e.runDueWork();
    expect(reminders("UDRAFTER")).toEqual([]);
    expect((await claimsOf(e2e)).filter((k) => k.startsWith("reminder:draft:"))).toEqual([]);

    e2e.clock.advance(2 * MINUTE);
    await e2e.runDueWork();
    const [reminder, ...more] = reminders("UDRAFTER");
    expect(more).toEqual([]);
    expect(reminder?.text).toContain(`Your screening ${draft.reference} is still a draft, untouched for 3 days`);
    expect(buttonsOf(reminder)).toEqual([{ actionId: `${ACTION.resume}:${draft.id}`, value: draft.id, text: "Resume" }]);

    // Every later pass, several at once, and days later: still that one reminder.
    await Promise.all([e2e.runDueWork(), e2e.runDueWork(), e2e.runDueWork()]);
    e2e.clock.advance(10 * DAY);
    await e2e.runDueWork();
    expect(reminders("UDRAFTER")).toHaveLength(1);
    const { version } = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { id: draft.id } });
    expect((await claimsOf(e2e)).filter((k) => k.startsWith("reminder:draft:"))).toEqual([`reminder:draft:${draft.id}:v${version}:1`]);
  });

  it("Resume in the reminder reopens the draft where it stopped; touching it starts a new wait", async () => {
    const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UDRAFTER" } });
    const [reminder] = reminders("UDRAFTER") as [FakeMessage];
    const person = e2e.person("UDRAFTER");
    await person.clickMessageButton(reminder.channel, reminder.ts, `${ACTION.resume}:${row.id}`, row.id);
    await e2e.settle();
    expect(person.requireView().view.callback_id).toBe(CALLBACK.page);
    expect(person.requireView().view.title?.text).not.toBe("The deal");

    // The requester saves the page, then leaves it again for three days: a new reminder.
    await person.submitPage(low.answers);
    await person.closeView();
    await e2e.settle();
    e2e.clock.advance(2 * DAY);
    await e2e.runDueWork();
    expect(reminders("UDRAFTER")).toHaveLength(1);
    e2e.clock.advance(DAY + MINUTE);
    await e2e.runDueWork();
    expect(reminders("UDRAFTER")).toHaveLength(2);
  });

  it("says nothing about a draft submitted before its reminder was due", async () => {
    const person = e2e.person("USUBMITTER");
    await completeScreening(person, low.answers);
    await e2e.settle();
    e2e.clock.advance(5 * DAY);
    await e2e.runDueWork();
    expect(e2e.api.dms("USUBMITTER").filter((m) => /still a draft/.test(m.text))).toEqual([]);
  });

  it("shows the requester's Home tab what is due, with how long each draft has waited", async () => {
    const draft = await leaveDraft(e2e, "UHOMEDRAFT");
    e2e.clock.advance(2 * DAY + 5 * HOUR);
    await e2e.person("UHOMEDRAFT").openHome();
    const home = JSON.stringify(e2e.api.homeOf("UHOMEDRAFT")?.blocks ?? []);
    expect(home).toContain("What is due");
    expect(home).toContain("Drafts to finish");
    expect(home).toContain(`*${draft.reference}* · draft · untouched for 2 days`);
  });
});

describe("an escalation waiting for a decision", () => {
  let e2e: ClockedE2E;
  let reference = "";
  let screeningId = "";
  let escalationId = "";
  let messageTs = "";
  const [FIRST, SECOND, THIRD] = APPROVERS as [string, string, string];

  beforeAll(async () => {
    // Wednesday 08:00 UTC: the digest (09:00) is not due yet when the screening is escalated.
    e2e = await startClockedE2E({ start: nextWeekdayAt(WEDNESDAY, 8) });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const threadReminders = () =>
    e2e.api.callsTo("chat.postMessage").filter((c) => c.args.channel === COMPLIANCE && c.args.thread_ts === messageTs && /waited .* for a decision/.test(String(c.args.text)));
  const approverReminders = (userId: string) => e2e.api.dms(userId).filter((m) => /for your decision/.test(m.text));
  const digests = () => e2e.api.messages(COMPLIANCE).filter((m) => /^Daily digest/.test(m.text));

  it("is escalated and approved by one of the two approvers it needs", async () => {
    reference = await completeScreening(e2e.person("UESCALATOR"), high.answers);
    await e2e.settle();
    const row = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
    screeningId = row.id;
    escalationId = row.escalation?.id ?? "";
    messageTs = row.escalation?.messageTs ?? "";
    expect(row.escalation?.requiredApprovals).toBe(2);
    expect(messageTs).not.toBe("");
    const click = await clickDecision(e2e, e2e.person(FIRST), messageTs, "approve", escalationId);
    expect(click.kind).toBe("form");
    await click.person.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Lawful interception under warrant." } } });
    await e2e.settle();
  });

  it("after 24 hours, replies once in its thread and DMs the approvers who have not decided, never the requester", async () => {
    e2e.clock.advance(24 * HOUR - MINUTE);
    await e2e.runDueWork();
    expect(threadReminders()).toEqual([]);

    e2e.clock.advance(2 * MINUTE);
    await Promise.all([e2e.runDueWork(), e2e.runDueWork()]);
    const [reply, ...others] = threadReminders();
    expect(others).toEqual([]);
    expect(String(reply?.args.text)).toBe(`${reference} has waited 24 hours for a decision.`);
    expect(textOf({ blocks: reply?.args.blocks as unknown[] })).toContain("approvals 1 of 2");
    expect(textOf({ blocks: reply?.args.blocks as unknown[] })).toContain("The 2 approvers who have not decided yet were sent a direct message.");

    for (const approver of [SECOND, THIRD]) {
      const dms = approverReminders(approver);
      expect(dms, approver).toHaveLength(1);
      expect(dms[0]?.text).toBe(`${reference} has waited 24 hours for your decision.`);
      expect(buttonsOf(dms[0])).toEqual([{ actionId: ACTION.viewAnswers, value: screeningId, text: "View answers" }]);
    }
    expect(approverReminders(FIRST)).toEqual([]);
    expect(e2e.api.dms("UESCALATOR").filter((m) => /has waited/.test(m.text))).toEqual([]);

    await e2e.runDueWork();
    expect(threadReminders()).toHaveLength(1);
    expect(approverReminders(SECOND)).toHaveLength(1);
  });

  it("reminds again 48 hours after that, once, and posts one digest a day of what waits", async () => {
    // Thursday 08:01 + 47 h: Saturday 07:01, not yet (the next moment is 72 h after escalation).
    e2e.clock.advance(47 * HOUR);
    await e2e.runDueWork();
    expect(threadReminders()).toHaveLength(1);
    e2e.clock.advance(2 * HOUR);
    await e2e.runDueWork();
    await e2e.runDueWork();
    expect(threadReminders()).toHaveLength(2);
    expect(approverReminders(SECOND)).toHaveLength(2);
    expect(approverReminders(THIRD)).toHaveLength(2);
    expect((await claimsOf(e2e)).filter((k) => k.startsWith("reminder:escalation:"))).toEqual([
      `reminder:escalation:${escalationId}:r1:1`,
      `reminder:escalation:${escalationId}:r1:2`,
    ]);

    // The digest: none on Thursday (every pass that day ran before 09:00), one on Saturday, however many passes.
    const days = digests().map((m) => /Daily digest (\d{4}-\d{2}-\d{2})/.exec(m.text)?.[1]);
    expect(new Set(days).size).toBe(days.length);
    expect(days).toHaveLength(1);
    const latest = digests().at(-1);
    expect(latest?.text).toMatch(/^Daily digest \d{4}-\d{2}-\d{2}: 1 waiting\.$/);
    expect(textOf(latest ?? {})).toContain(reference);
    expect(textOf(latest ?? {})).toContain("approvals 1 of 2");
  });

  it("shows an approver who has not decided how long it has waited on their Home tab", async () => {
    await e2e.person(SECOND).openHome();
    const home = JSON.stringify(e2e.api.homeOf(SECOND)?.blocks ?? []);
    expect(home).toContain("Decisions waiting for you");
    expect(home).toMatch(new RegExp(`\\*${reference}\\* · waiting 3 days · approvals 1 of 2`));
  });

  it("stops once the escalation is decided", async () => {
    const click = await clickDecision(e2e, e2e.person(SECOND), messageTs, "approve", escalationId);
    expect(click.kind).toBe("form");
    await click.person.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Agreed, under the licence." } } });
    await e2e.settle();
    expect((await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference } })).status).toBe("approved");
    const before = { thread: threadReminders().length, third: approverReminders(THIRD).length };
    e2e.clock.advance(10 * DAY);
    await e2e.runDueWork();
    expect(threadReminders()).toHaveLength(before.thread);
    expect(approverReminders(THIRD)).toHaveLength(before.third);
  });
});

describe("quiet weekends", () => {
  let e2e: ClockedE2E;
  beforeAll(async () => {
    e2e = await startClockedE2E({ start: nextWeekdayAt(WEDNESDAY, 10), env: { REMINDERS_QUIET_WEEKENDS: "true" } });
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("moves a reminder due on Saturday to Monday 09:00 UTC, and posts no digest on the weekend", async () => {
    await leaveDraft(e2e, "UWEEKEND");
    const reminders = () => e2e.api.dms("UWEEKEND").filter((m) => /still a draft/.test(m.text));
    e2e.clock.advance(3 * DAY + HOUR); // Saturday 11:00
    await e2e.runDueWork();
    e2e.clock.advance(DAY); // Sunday 11:00
    await e2e.runDueWork();
    expect(reminders()).toEqual([]);
    expect(e2e.api.messages(COMPLIANCE).filter((m) => /^Daily digest/.test(m.text))).toEqual([]);
    e2e.clock.advance(22 * HOUR - MINUTE); // Monday 08:59
    await e2e.runDueWork();
    expect(reminders()).toEqual([]);
    e2e.clock.advance(MINUTE); // Monday 09:00
    await e2e.runDueWork();
    expect(reminders()).toHaveLength(1);
    expect(e2e.clock.now().getUTCDay()).toBe(1);
  });
});
