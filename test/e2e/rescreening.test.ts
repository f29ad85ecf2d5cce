// Re-screening before renewal, end to end: the real HTTP app, database and shipped rules, driven
// by signed Slack requests against the Web API stand-in, with the bot's clock moved forward by
// the test (StartOptions.clock) and its periodic work run as the scheduler runs it (runDueWork).
// An approved screening's requester is prompted once, not before the rules' lead time; Start
// re-screening opens the questionnaire prefilled with the old answers, each page confirmed in
// one click or changed; approvers see what changed and the earlier decision; both records show
// the link; `/screening renew REF` does the same by hand; a requester who has left is replaced
// by compliance.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBot } from "../../src/bot.js";
import { RedactingLogger } from "../../src/log.js";
import type { FakeMessage } from "../../src/sandbox/fake-workspace.js";
import { startFakeSlackApi } from "../../src/sandbox/slack-api.js";
import { SlackRequestSender } from "../../src/sandbox/slack-requests.js";
import { START_RESCREENING_LABEL } from "../../src/slack/blocks/rescreening.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { createTestDatabase } from "../support/db.js";
import { fillState, type AnswerInput, type StateValues } from "./support/fill.js";
import { APPROVERS, COMPLIANCE, Person, SIGNING_SECRET, settleDeliveries, testConfig, type E2E, type ViewJson } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const DAY = 86_400_000;
/** How far the bot's clock is ahead of the real one (requests stay signed with the real time). */
let offset = 0;
const clock = { now: () => new Date(Date.now() + offset) };
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

let e2e: E2E;
beforeAll(async () => {
  const api = await startFakeSlackApi();
  const db = await createTestDatabase();
  const logs: string[] = [];
  const log = new RedactingLogger((line) => logs.push(line));
  // The reminders are another test's subject: months pass here, and only the review prompts run.
  const bot = await startBot(testConfig(api.url), log, { processBeforeResponse: true, database: db, deliveryPollMs: 50, clock, reminders: false, reviewPrompts: { firstDelayMs: 3_600_000 } });
  const sender = new SlackRequestSender(`http://127.0.0.1:${bot.port}`, SIGNING_SECRET);
  const harness: E2E = {
    api,
    bot,
    db,
    sender,
    logs,
    baseUrl: `http://127.0.0.1:${bot.port}`,
    person: (userId) => new Person(harness, userId),
    settle: () => settleDeliveries(db),
    async close() {
      await bot.stop();
      await api.close();
      await db.close();
    },
  };
  e2e = harness;
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const medium = scenario("medium_lawful_interception_police_full_safeguards");
const low = scenario("low_thermal_camera_private_factory");
const approver = () => e2e.person(APPROVERS[0] ?? "");

/** Moves the bot's clock to `at` (ms since the epoch) and runs its periodic work, as the scheduler would. */
async function at(ms: number): Promise<void> {
  offset = ms - Date.now();
  await e2e.bot.runDueWork();
  await e2e.settle();
}

function blocksText(surface: { blocks?: unknown[] } | undefined): string {
  return JSON.stringify(surface?.blocks ?? []).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function messageAbout(channel: string, reference: string, marker: string): FakeMessage[] {
  return e2e.api.messages(channel).filter((m) => blocksText(m).includes(reference) && blocksText(m).includes(marker));
}

function promptsTo(userId: string, reference: string): FakeMessage[] {
  return e2e.api.dms(userId).filter((m) => blocksText(m).includes(reference) && blocksText(m).includes(START_RESCREENING_LABEL));
}

function startButton(message: FakeMessage): { actionId: string; value: string } {
  for (const b of message.blocks ?? []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; value?: string; text?: { text?: string } }> };
    for (const el of block.type === "actions" ? (block.elements ?? []) : []) {
      if (el.type === "button" && el.text?.text === START_RESCREENING_LABEL) return { actionId: String(el.action_id), value: String(el.value) };
    }
  }
  throw new Error("no Start re-screening button");
}

async function screeningOf(reference: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
}

function escalationMessage(reference: string): FakeMessage {
  const found = e2e.api.messages(COMPLIANCE).filter((m) => (m.metadata as { event_payload?: { reference?: string } } | undefined)?.event_payload?.reference === reference);
  expect(found).toHaveLength(1);
  return found[0] as FakeMessage;
}

/** Approves an escalated screening from its channel message. */
async function approve(reference: string, rationale: string): Promise<void> {
  const row = await screeningOf(reference);
  const person = approver();
  await person.clickMessageButton(COMPLIANCE, escalationMessage(reference).ts, ACTION.decide.approve, row.escalation?.id ?? "");
  const reply = await person.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: rationale } } });
  expect((reply.json as { response_action?: string } | undefined)?.response_action).toBe("clear");
  await e2e.settle();
}

/** What the page shows filled in, as the state Slack sends when the person presses Next without touching anything. */
function initialState(view: ViewJson): StateValues {
  const state: StateValues = {};
  for (const b of view.blocks ?? []) {
    const block = b as { type?: string; block_id?: string; element?: Record<string, unknown> & { type: string; action_id: string } };
    if (block.type !== "input" || !block.block_id || !block.element) continue;
    const e = block.element;
    let value: Record<string, unknown>;
    if (e.type === "radio_buttons" || e.type === "static_select") value = { selected_option: e.initial_option ?? null };
    else if (e.type === "checkboxes" || e.type === "multi_static_select") value = { selected_options: e.initial_options ?? [] };
    else if (e.type === "datepicker") value = { selected_date: e.initial_date ?? null };
    else value = { value: e.initial_value ?? null };
    state[block.block_id] = { [e.action_id]: { type: e.type, ...value } };
  }
  return state;
}

/** The value an input shows filled in, by question id. */
function shown(view: ViewJson, questionId: string): unknown {
  const block = (view.blocks ?? []).find((b) => (b as { block_id?: string }).block_id === `q:${questionId}`) as { element?: Record<string, unknown> } | undefined;
  const e = block?.element;
  if (!e) return undefined;
  const option = e.initial_option as { value?: string } | undefined;
  const options = e.initial_options as Array<{ value?: string }> | undefined;
  return option?.value ?? options?.map((o) => o.value) ?? e.initial_date ?? e.initial_value;
}

/**
 * Goes through the re-screening's pages: each must show the old answers and say so; a page
 * without a change in `changes` is confirmed as shown, one with a change gets it. Returns the
 * pages' titles.
 */
async function confirmPages(person: Person, previous: string, old: Record<string, AnswerInput>, changes: Record<string, AnswerInput>): Promise<string[]> {
  const titles: string[] = [];
  for (let i = 0; i < 20; i++) {
    const view = person.requireView().view;
    if (view.callback_id !== CALLBACK.page) return titles;
    titles.push(String(view.title?.text));
    const text = blocksText(view);
    expect(text, `page ${titles.at(-1)} says where its answers come from`).toContain(`Filled in from *${previous}*, unchanged since then`);
    const ids = (view.blocks ?? []).flatMap((b) => {
      const id = (b as { block_id?: string; type?: string }).type === "input" ? (b as { block_id: string }).block_id : "";
      return id.startsWith("q:") ? [id.slice(2)] : [];
    });
    for (const id of ids) {
      const before = old[id];
      if (before === undefined) continue;
      const expected = typeof before === "number" ? String(before) : before;
      expect(shown(view, id), `${id} is prefilled`).toEqual(expected);
    }
    const changed = ids.filter((id) => id in changes);
    const typed = fillState(view, Object.fromEntries(changed.map((id) => [id, changes[id]])));
    const state = { ...initialState(view), ...Object.fromEntries(changed.map((id) => [`q:${id}`, typed[`q:${id}`] ?? {}])) };
    const reply = await person.submit(state);
    const action = reply.json as { response_action?: string; errors?: unknown } | undefined;
    if (action?.response_action === "errors") throw new Error(`page ${titles.at(-1)} refused: ${JSON.stringify(action.errors)}`);
  }
  throw new Error("the re-screening did not reach the review");
}

describe("re-screening before renewal", () => {
  const requester = () => e2e.person("UREQRENEW");
  const answers = () => ({ ...medium.answers, next_review_date: isoDay(Date.now() + 200 * DAY) });
  let previous: string;
  let renewal: string;
  let dueAt: number;

  it("an approved screening gets its review date from the contract's end the requester gave", async () => {
    offset = 0;
    previous = await completeScreening(requester(), answers());
    await e2e.settle();
    await approve(previous, "Lawful interception under court orders, with every safeguard in the contract");
    const row = await screeningOf(previous);
    expect(row.status).toBe("approved");
    dueAt = Date.parse(`${answers().next_review_date}T00:00:00Z`);
    expect(row.reviewDueAt?.toISOString()).toBe(new Date(dueAt).toISOString());
  });

  it("is not prompted before the rules' lead time (30 days before the review)", async () => {
    await at(dueAt - 31 * DAY);
    expect(promptsTo(requester().userId, previous)).toEqual([]);
  });

  it("is prompted once the lead time has begun: one DM with Start re-screening, however often the scheduler looks", async () => {
    await at(dueAt - 29 * DAY);
    const prompts = promptsTo(requester().userId, previous);
    expect(prompts).toHaveLength(1);
    expect(blocksText(prompts[0])).toContain("is due for review on");
    expect(startButton(prompts[0] as FakeMessage)).toEqual({ actionId: ACTION.startRescreening, value: (await screeningOf(previous)).id });
    await at(dueAt - 28 * DAY);
    await at(dueAt + 2 * DAY);
    expect(promptsTo(requester().userId, previous)).toHaveLength(1);
    expect(await e2e.db.prisma.auditEvent.count({ where: { screeningId: (await screeningOf(previous)).id, type: "review.prompted" } })).toBe(1);
  });

  it("Start re-screening opens the questionnaire prefilled with the old answers; unchanged pages are confirmed in one click, a changed one with its change", async () => {
    await at(dueAt - 27 * DAY);
    const dm = promptsTo(requester().userId, previous)[0] as FakeMessage;
    const person = requester();
    const button = startButton(dm);
    await person.clickMessageButton(dm.channel, dm.ts, button.actionId, button.value);
    const first = person.requireView().view;
    expect(first.callback_id).toBe(CALLBACK.page);
    renewal = /DD-\d{4}-\d{4,}/.exec(blocksText(first))?.[0] ?? "";
    expect(renewal).not.toBe("");
    expect(renewal).not.toBe(previous);
    const titles = await confirmPages(person, previous, answers(), { end_user_name: "National police intelligence directorate, cyber unit" });
    expect(titles.length).toBeGreaterThanOrEqual(4);
    // the review, then submission: scored as usual
    expect(person.requireView().view.callback_id).toBe(CALLBACK.review);
    await person.submit({});
    await e2e.settle();
    const row = await screeningOf(renewal);
    expect(row.status).toBe("escalated");
    expect(row.previousScreeningId).toBe((await screeningOf(previous)).id);
    // the answers are the re-screening's own, given now
    const given = await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id, supersededAt: null } });
    expect(given.find((a) => a.questionId === "end_user_name")?.value).toBe("National police intelligence directorate, cyber unit");
    expect(given.find((a) => a.questionId === "destination")?.value).toBe("MX");
    expect(given.every((a) => a.answeredBy === person.userId)).toBe(true);
  });

  it("the approvers' message shows the earlier decision and what changed, old → new", async () => {
    const text = blocksText(escalationMessage(renewal));
    expect(text).toContain(`*Previous screening ${previous}*: approved by <@${APPROVERS[0]}> (Approve)`);
    expect(text).toContain("Lawful interception under court orders, with every safeguard in the contract");
    expect(text).toContain(`*1 answer changed since ${previous}*`);
    expect(text).toContain("National police intelligence directorate → National police intelligence directorate, cyber unit");
  });

  it("View answers shows the same, and the link, in both records", async () => {
    const person = approver();
    await person.clickMessageButton(COMPLIANCE, escalationMessage(renewal).ts, ACTION.viewAnswers, (await screeningOf(renewal)).id);
    const renewed = blocksText(person.requireView().view);
    expect(renewed).toContain(`Re-screening of *${previous}*`);
    expect(renewed).toContain(`*1 answer changed since ${previous}*`);
    expect(renewed).toContain("National police intelligence directorate → National police intelligence directorate, cyber unit");
    expect(renewed).toContain("Lawful interception under court orders");

    const other = approver();
    await other.clickMessageButton(COMPLIANCE, escalationMessage(previous).ts, ACTION.viewAnswers, (await screeningOf(previous)).id);
    expect(blocksText(other.requireView().view)).toContain(`Re-screened as *${renewal}* (Awaiting compliance decision)`);
  });

  it("/screening renew of a screening already re-screened says which one to renew instead", async () => {
    const person = requester();
    await person.command(`renew ${previous}`);
    const view = person.requireView().view;
    expect(String(view.title?.text)).toBe("Cannot re-screen");
    expect(blocksText(view)).toContain(`${previous} was already re-screened as ${renewal}. To review the deal again, renew that one: /screening renew ${renewal}.`);
    expect(await e2e.db.prisma.screening.count({ where: { previousScreeningId: (await screeningOf(previous)).id } })).toBe(1);
  });
});

describe("/screening renew REF", () => {
  it("starts a re-screening of REF by hand, prefilled with its answers", async () => {
    offset = 0;
    const requester = e2e.person("UREQBYHAND");
    const reference = await completeScreening(requester, low.answers);
    await e2e.settle();
    expect((await screeningOf(reference)).status).toBe("cleared");
    await requester.command(`renew ${reference}`);
    const view = requester.requireView().view;
    expect(view.callback_id).toBe(CALLBACK.page);
    const text = blocksText(view);
    expect(text).toContain(`Filled in from *${reference}*`);
    expect(shown(view, "destination")).toBe(low.answers.destination);
    expect(shown(view, "end_user_name")).toBe(low.answers.end_user_name);
    const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { previousScreeningId: (await screeningOf(reference)).id } });
    expect(row.requesterId).toBe(requester.userId);
    expect(row.status).toBe("draft");
    // typed again: the same re-screening continues, no second one
    await requester.command(`renew ${reference.toLowerCase()}`);
    expect(blocksText(requester.requireView().view)).toContain(row.reference);
    expect(await e2e.db.prisma.screening.count({ where: { previousScreeningId: row.previousScreeningId ?? "" } })).toBe(1);
  });

  it("says what is missing or wrong, and starts nothing", async () => {
    const person = e2e.person("UREQNOREF");
    const before = await e2e.db.prisma.screening.count();
    const bare = await person.command("renew");
    expect(person.lastEphemeralText(bare)).toContain("Which screening? Type `/screening renew DD-2026-0007`");
    await person.command("renew DD-1999-0001");
    expect(blocksText(person.requireView().view)).toContain("No screening DD-1999-0001 that you can see.");
    const someoneElses = (await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UREQBYHAND", previousScreeningId: null } })).reference;
    await person.command(`renew ${someoneElses}`);
    expect(blocksText(person.requireView().view)).toContain(`No screening ${someoneElses} that you can see.`);
    expect(await e2e.db.prisma.screening.count()).toBe(before);
  });
});

describe("a requester who has left", () => {
  it("the prompt goes to the compliance channel instead, where an approver starts the re-screening", async () => {
    offset = 0;
    const leaver = e2e.person("UREQLEFT");
    const reference = await completeScreening(leaver, low.answers);
    await e2e.settle();
    const row = await screeningOf(reference);
    const due = row.reviewDueAt?.getTime() ?? 0;
    // a low tier without a contract end: 24 months
    expect(isoDay(due)).toBe(isoDay(Date.UTC(new Date().getUTCFullYear() + 2, new Date().getUTCMonth(), new Date().getUTCDate())));
    // Slack refuses DMs to a deactivated account
    e2e.api.failNext("chat.postMessage", { error: "user_not_found", match: (args) => (args as { channel?: string }).channel === leaver.userId });
    await at(due - 10 * DAY);
    expect(promptsTo(leaver.userId, reference)).toEqual([]);
    const posted = messageAbout(COMPLIANCE, reference, START_RESCREENING_LABEL);
    expect(posted).toHaveLength(1);
    expect(blocksText(posted[0])).toContain(`Its requester <@${leaver.userId}> could not be reached (user_not_found`);
    const person = approver();
    const button = startButton(posted[0] as FakeMessage);
    await person.clickMessageButton(COMPLIANCE, (posted[0] as FakeMessage).ts, button.actionId, button.value);
    expect(person.requireView().view.callback_id).toBe(CALLBACK.page);
    const renewal = await e2e.db.prisma.screening.findFirstOrThrow({ where: { previousScreeningId: row.id } });
    expect(renewal.requesterId).toBe(person.userId);
  });
});
