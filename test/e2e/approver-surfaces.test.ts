// What approvers read to decide, end to end through the real HTTP app: View answers on the
// escalation message, the resubmission diff in its thread, and the short /screening status with
// Details. The rule set is read from rules/ and questions are found by type, never by id, so the
// test follows the questionnaire as it changes.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Question, RuleSet } from "../../src/domain/rule-set.js";
import { loadRuleSet } from "../../src/rules/load.js";
import { escapeMrkdwn } from "../../src/slack/blocks/text.js";
import { ACTION, BLOCK, CALLBACK, uniqueActionId } from "../../src/slack/ids.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type Person } from "./support/harness.js";
import { answerAllPages, completeScreening, scenario } from "./support/scenarios.js";

let e2e: E2E;
let ruleSet: RuleSet;
beforeAll(async () => {
  const load = await loadRuleSet("rules");
  if (!load.ok) throw new Error("rules/ does not load");
  ruleSet = load.ruleSet;
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const high = scenario("high_lawful_interception_police_no_safeguards");

interface Button {
  text: string;
  actionId: string;
  value: string;
}

function buttonsIn(blocks: unknown): Button[] {
  const out: Button[] = [];
  for (const b of Array.isArray(blocks) ? blocks : []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; value?: string; text?: { text?: string } }> };
    if (block.type !== "actions") continue;
    for (const el of block.elements ?? []) if (el.type === "button") out.push({ text: String(el.text?.text), actionId: String(el.action_id), value: String(el.value) });
  }
  return out;
}

/** Every mrkdwn and plain text in a view or message, joined: what a person can read in it. */
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
  return out.join("\n");
}

function escalationMessage(reference: string) {
  const message = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(reference));
  if (!message) throw new Error(`no escalation message for ${reference}`);
  return message;
}

async function rowOf(reference: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
}

/** Clicks View answers on the escalation message of `reference`; returns the view the person then sees. */
async function viewAnswers(person: Person, reference: string) {
  const message = escalationMessage(reference);
  const button = buttonsIn(message.blocks).find((b) => b.actionId === ACTION.viewAnswers);
  if (!button) throw new Error("no View answers button");
  const reply = await person.clickMessageButton(COMPLIANCE, message.ts, ACTION.viewAnswers, button.value);
  expect(reply.status).toBe(200);
  return person.requireView().view;
}

/** The questions whose answers were stored for this screening (the ones the interview showed). */
async function answeredQuestions(reference: string): Promise<Question[]> {
  const row = await rowOf(reference);
  const stored = await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id, supersededAt: null }, select: { questionId: true } });
  const ids = new Set(stored.map((a) => a.questionId));
  return ruleSet.questionnaire.pages.flatMap((p) => p.questions).filter((q) => ids.has(q.id));
}

describe("View answers", () => {
  it("shows an approver every answer in force, by page, with the score, the factors by weight and their sources", async () => {
    const ref = await completeScreening(e2e.person("UVIEWREQ"), high.answers);
    await e2e.settle();
    const message = escalationMessage(ref);
    expect(buttonsIn(message.blocks).map((b) => b.text)).toEqual(["Approve", "Approve with conditions", "Reject", "Request info", "View answers"]);

    const view = await viewAnswers(e2e.person(APPROVERS[0] ?? ""), ref);
    expect(view.callback_id).toBe(CALLBACK.answers);
    const text = readable(view);
    expect(text).toContain(ref);
    const answered = await answeredQuestions(ref);
    const scenarioKeys = Object.keys(high.answers);
    expect(answered.length).toBeGreaterThan(10);
    // every question the requester answered, and every answer they typed, is there
    for (const q of answered) {
      expect(scenarioKeys).toContain(q.id);
      expect(text).toContain(escapeMrkdwn(q.label));
      const given = high.answers[q.id];
      if (q.type === "free_text" && typeof given === "string") expect(text).toContain(escapeMrkdwn(given));
    }
    // pages as headers, in questionnaire order
    const headers = (view.blocks ?? []).filter((b) => b.type === "header").map((b) => String((b as { text?: { text?: string } }).text?.text));
    const titles = ruleSet.questionnaire.pages.map((p) => p.title).filter((t) => headers.includes(t));
    expect(titles.length).toBeGreaterThan(3);
    expect(headers.filter((h) => titles.includes(h))).toEqual(titles);
    // score with its scale; factors by weight, each with its source
    expect(text).toMatch(/\d+ — at or above the escalation threshold of \d+/);
    expect(text).toContain("*Factors by weight*");
    const points = [...text.matchAll(/^• \*([+-]\d+)\* .* · Source: _/gm)].map((m) => Number(m[1]));
    expect(points.length).toBeGreaterThan(3);
    expect(points).toEqual([...points].sort((a, b) => b - a));
  });

  it("refuses someone who is neither the requester nor an approver: a notice, none of the answers, and an audit event", async () => {
    const ref = await completeScreening(e2e.person("UPRIVATE"), high.answers);
    await e2e.settle();
    const view = await viewAnswers(e2e.person("UNOSY"), ref);
    expect(view.callback_id).not.toBe(CALLBACK.answers);
    const text = readable(view);
    expect(text).toMatch(/Only the requester of DD-\d{4}-\d+ and compliance approvers can see its answers/);
    for (const q of await answeredQuestions(ref)) expect(text).not.toContain(escapeMrkdwn(q.label));
    const row = await rowOf(ref);
    const refusals = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: "access.refused", actorId: "UNOSY" } });
    expect(refusals.map((r) => r.data)).toEqual([{ reason: "answers_of_other" }]);
  });

  it("stays on the message once the decision is final, so the record stays readable", async () => {
    const ref = await completeScreening(e2e.person("UFINAL"), high.answers);
    await e2e.settle();
    const approver = e2e.person(APPROVERS[1] ?? "");
    const row = await rowOf(ref);
    await approver.clickMessageButton(COMPLIANCE, escalationMessage(ref).ts, ACTION.decide.reject, row.escalation?.id ?? "");
    await approver.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Misuse reported." } } });
    await e2e.settle();
    expect(buttonsIn(escalationMessage(ref).blocks).map((b) => b.text)).toEqual(["View answers"]);
    expect((await viewAnswers(e2e.person(APPROVERS[2] ?? ""), ref)).callback_id).toBe(CALLBACK.answers);
  });
});

describe("a resubmission after Request info", () => {
  it("Request info → Reply → edit → resubmit: the reply and the changed answer old → new in the thread, and in View answers", async () => {
    const requester = e2e.person("URESUB");
    const ref = await completeScreening(requester, high.answers);
    await e2e.settle();
    let row = await rowOf(ref);

    const approver = e2e.person(APPROVERS[0] ?? "");
    await approver.clickMessageButton(COMPLIANCE, escalationMessage(ref).ts, ACTION.decide.request_info, row.escalation?.id ?? "");
    await approver.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Which unit will operate it?" } } });
    await e2e.settle();
    expect((await rowOf(ref)).status).toBe("info_requested");

    // the first page's first free-text question the requester answered: they rewrite it
    const firstPage = ruleSet.questionnaire.pages[0];
    const question = firstPage?.questions.find((q) => q.type === "free_text" && typeof high.answers[q.id] === "string" && !q.multiline);
    if (!firstPage || !question) throw new Error("the first page has no answered one-line free-text question");
    const oldAnswer = String(high.answers[question.id]);
    const newAnswer = `${oldAnswer} (revised & <checked>)`;

    const dm = e2e.api.dms("URESUB").find((m) => JSON.stringify(m).includes("Which unit"));
    // The requester answers in words first (Reply), then edits the answer (Edit answers).
    await requester.clickMessageButton(dm?.channel ?? "URESUB", dm?.ts ?? "", ACTION.reply, row.id);
    expect(requester.view?.view.callback_id).toBe(CALLBACK.reply);
    await requester.submit({ [BLOCK.reply]: { [ACTION.replyText]: { type: "plain_text_input", value: "The cyber-crime unit only; I correct the product name." } } });
    await e2e.settle();
    const replyInThread = (escalationMessage(ref).replies ?? []).find((r) => JSON.stringify(r).includes("cyber-crime unit only"));
    expect(JSON.stringify(replyInThread)).toContain("<@URESUB> replied on");

    await requester.clickMessageButton(dm?.channel ?? "URESUB", dm?.ts ?? "", ACTION.reopen, row.id);
    expect(requester.view?.view.callback_id).toBe(CALLBACK.review);
    await requester.clickInView(uniqueActionId(ACTION.editPage, firstPage.id), firstPage.id);
    await answerAllPages(requester, { ...high.answers, [question.id]: newAnswer });
    await requester.submit({});
    await e2e.settle();
    row = await rowOf(ref);
    expect(row.status).toBe("escalated");
    expect(row.escalation?.round).toBe(2);

    const line = `• *${escapeMrkdwn(question.label)}*: ${escapeMrkdwn(oldAnswer)} → ${escapeMrkdwn(newAnswer)}`;
    // the thread says what changed, and only that
    const replies = escalationMessage(ref).replies ?? [];
    const reply = replies.find((r) => /resubmitted/.test(JSON.stringify(r)));
    expect(reply).toBeDefined();
    const threadText = readable(reply?.blocks);
    expect(threadText).toContain("with 1 changed answer (round 2)");
    expect(threadText).toContain(line);
    expect(JSON.stringify(reply)).not.toContain("<checked>");

    // View answers highlights it too: in the list of changes and on its page
    const view = await viewAnswers(e2e.person(APPROVERS[1] ?? ""), ref);
    const text = readable(view);
    expect(text).toContain("1 answer changed");
    expect(text).toContain(line);
    expect(text).toContain(`:pencil2: *${escapeMrkdwn(question.label)}* _(changed)_\n>${escapeMrkdwn(newAnswer)}\nwas: ${escapeMrkdwn(oldAnswer)}`);
  });
});

describe("/screening status", () => {
  it("is a short summary with Details, which opens every answer for the requester and for approvers", async () => {
    const requester = e2e.person("USTATUS");
    const ref = await completeScreening(requester, high.answers);
    await e2e.settle();
    const row = await rowOf(ref);

    const reply = await requester.command(`status ${ref}`);
    const body = reply.json as { blocks?: unknown[]; text?: string };
    const text = readable(body.blocks);
    expect(text).toContain(ref);
    expect(text).toMatch(/\*Score\*\n\d+ — at or above the escalation threshold of \d+/);
    expect(text).toContain("*Item → destination*");
    expect(text).toContain("*End user*");
    expect(text).toMatch(/\*Top factors\* \(3 of \d+\)/);
    expect([...text.matchAll(/^• \*[+-]\d+\*/gm)]).toHaveLength(3);
    expect(body.blocks?.length ?? 0).toBeLessThanOrEqual(8);
    const details = buttonsIn(body.blocks);
    expect(details).toEqual([{ text: "Details", actionId: ACTION.viewAnswers, value: row.id }]);

    // Details from the (ephemeral) status reply opens the answers
    await requester.clickMessageButton("C0GENERAL", "1700000000.000100", ACTION.viewAnswers, row.id);
    expect(requester.requireView().view.callback_id).toBe(CALLBACK.answers);
    for (const q of await answeredQuestions(ref)) expect(readable(requester.requireView().view)).toContain(escapeMrkdwn(q.label));

    const approver = e2e.person(APPROVERS[2] ?? "");
    expect(buttonsIn((( await approver.command(`status ${ref}`)).json as { blocks?: unknown[] }).blocks).map((b) => b.text)).toEqual(["Details"]);
    await approver.clickMessageButton("C0GENERAL", "1700000000.000200", ACTION.viewAnswers, row.id);
    expect(approver.requireView().view.callback_id).toBe(CALLBACK.answers);

    // a forged Details click by someone else shows nothing of the screening
    const stranger = e2e.person("USTRANGE2");
    await stranger.clickMessageButton("C0GENERAL", "1700000000.000300", ACTION.viewAnswers, row.id);
    expect(stranger.requireView().view.callback_id).not.toBe(CALLBACK.answers);
    expect(readable(stranger.requireView().view)).not.toContain("Factors");
  });
});
