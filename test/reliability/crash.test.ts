// Point 3, crash safety, with the real bot process: `node --import tsx src/main.ts` in a temp
// folder (embedded database in ./data), killed with SIGKILL between page submissions, while a
// page submission and a decision are in flight, and while Slack deliveries are pending; started
// again on the same folder each time. Afterwards, with the process gone, the folder is opened
// and the record checked: saved pages intact, resume at the right page, every decision whole
// (decision + escalation status + screening status + audit event, or none of them), the audit
// chain intact, and every Slack message that was not delivered before a kill delivered after
// the restart exactly once.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { verifyAuditChain } from "../../src/store/audit.js";
import { openDatabase } from "../../src/store/database.js";
import { ACTION, CALLBACK } from "../../src/slack/ids.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../src/sandbox/slack-api.js";
import type { HttpReply } from "../e2e/support/harness.js";
import type { AnswerInput } from "../e2e/support/fill.js";
import { ackOf, high, low, medium, rationaleState } from "./support/flows.js";
import { RemotePerson } from "./support/remote-person.js";
import { REPO, startBotProcess, type BotProcess } from "./support/bot-process.js";
import { APPROVERS, BOT_TOKEN, COMPLIANCE, SIGNING_SECRET, printFigures, waitUntil } from "./support/instances.js";
import { startSlackGate, type SlackGate } from "./support/slack-gate.js";

let dataDir: string;
let api: FakeSlackApi;
let gate: SlackGate;
let bot: BotProcess | null = null;
const outputs: string[] = [];
const figures = { kills: 0, restarts: 0, pagesAcknowledged: 0, deliveriesPendingAtKill: 0, deliveriesCompletedAfterRestart: 0, duplicateMessages: 0, inFlightPageCommitted: 0, recordsLost: 0 };

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "dd-crash-"));
  api = await startFakeSlackApi();
  gate = await startSlackGate(api.baseUrl);
}, 60_000);
afterAll(async () => {
  printFigures("crash", figures);
  await bot?.kill();
  await gate?.stop();
  await api?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

async function start(): Promise<BotProcess> {
  // a test that failed before its kill must not leave its process running beside the next one
  if (bot) await kill();
  const proc = await startBotProcess({
    cwd: dataDir,
    signingSecret: SIGNING_SECRET,
    env: {
      SLACK_BOT_TOKEN: BOT_TOKEN,
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: gate.url,
      COMPLIANCE_CHANNEL_ID: COMPLIANCE,
      APPROVER_USER_IDS: APPROVERS.join(","),
      RULES_DIR: join(REPO, "rules"),
      SLACK_REQUEST_BUDGET_MS: "30000",
    },
  });
  bot = proc;
  return proc;
}

async function kill(): Promise<void> {
  if (!bot) return;
  // a kill that finds the process already gone (test 4 after a passing run 3) is not counted
  await bot.kill();
  outputs.push(bot.output());
  figures.kills++;
  bot = null;
}

function running(): BotProcess {
  if (!bot) throw new Error("no bot running");
  return bot;
}

/** People talk to whichever process is running now; their open modals live in the fake Slack, so they survive restarts. */
function person(userId: string): RemotePerson {
  return new RemotePerson(api, () => running().sender, userId);
}

/** Starts, answers and submits a whole screening; returns its reference. */
async function completeScreening(p: RemotePerson, answers: Record<string, AnswerInput>): Promise<string> {
  await p.command("new");
  await p.answerAllPages(answers, CALLBACK.page);
  expect(p.requireView().view.callback_id).toBe(CALLBACK.review);
  return referenceIn(await p.submit({}));
}

async function health(): Promise<{ ok: boolean; deliveries?: Record<string, number>; failedDeliveries?: unknown[] }> {
  const res = await fetch(`${bot?.baseUrl}/healthz`);
  return (await res.json()) as { ok: boolean; deliveries?: Record<string, number> };
}

/** Until the running bot reports nothing pending or in flight. */
async function settled(): Promise<void> {
  await waitUntil(async () => {
    const h = await health();
    return (h.deliveries?.pending ?? 1) === 0 && (h.deliveries?.sending ?? 1) === 0;
  }, 30_000, "deliveries to settle");
}

function pageOf(person: RemotePerson): string {
  return String(JSON.parse(person.requireView().view.private_metadata ?? "{}").p);
}

function referenceIn(reply: HttpReply): string {
  const ref = /DD-\d{4}-\d{4,}/.exec(JSON.stringify(ackOf(reply).view ?? {}))?.[0];
  if (!ref) throw new Error("no reference in the result view");
  return ref;
}

function channelMessagesAbout(reference: string) {
  return api.messages(COMPLIANCE).filter((m) => JSON.stringify(m.blocks ?? m.text).includes(reference));
}

function escalationIdIn(message: { blocks?: unknown[] }): string {
  const found: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x && typeof x === "object") {
      if (Reflect.get(x, "action_id") === ACTION.decide.approve && typeof Reflect.get(x, "value") === "string") found.push(String(Reflect.get(x, "value")));
      Object.values(x).forEach(walk);
    }
  };
  walk(message.blocks ?? []);
  if (!found[0]) throw new Error("no decision button on the escalation message");
  return found[0];
}

// The process runs the embedded database (its default); the server project repeats the suites
// on PostgreSQL, where this file would only run the same embedded process a second time.
describe.skipIf(Boolean(process.env.TEST_DATABASE_URL?.trim()))("the bot process killed and restarted (embedded database; skipped in the server run, where it would repeat itself)", () => {
  const R1 = "UCRASHPAGES";
  const R2 = "UCRASHDECIDE";
  const R3 = "UCRASHPENDING";
  const approver = APPROVERS[0]!;
  let r1: RemotePerson;
  let decider: RemotePerson;
  let r2Reference = "";
  let r3Reference = "";
  let r2EscalationId = "";
  let r2Ts = "";
  const acknowledgedPages: string[] = [];
  let resumedAfterInFlight = "";
  let inFlightPage = "";
  let killedInFlightAt = 0;

  it("run 1: an escalation is posted, two pages are saved, an approver opens the rationale modal; then SIGKILL between submissions", async () => {
    await start();
    r2Reference = await completeScreening(person(R2), medium.answers);
    await settled();
    const [message] = channelMessagesAbout(r2Reference);
    expect(message).toBeDefined();
    r2Ts = message!.ts;
    r2EscalationId = escalationIdIn(message!);

    r1 = person(R1);
    await r1.command("new");
    for (let i = 0; i < 2; i++) {
      const page = pageOf(r1);
      const reply = await r1.submitPage(low.answers);
      expect(ackOf(reply).response_action).toBe("update");
      acknowledgedPages.push(page);
    }
    figures.pagesAcknowledged += 2;
    decider = person(approver);
    await decider.clickMessageButton(COMPLIANCE, r2Ts, ACTION.decide.approve, r2EscalationId);
    expect(decider.requireView().view.callback_id).toBe(CALLBACK.decision);
    await kill();
  }, 90_000);

  it("run 2: resume shows the third page; with Slack down an escalation waits in the outbox; SIGKILL mid-decision (committed, its Slack update in flight) and mid-page (submission in flight)", async () => {
    await start();
    figures.restarts++;
    // chat.postMessage fails (the outbox retries with backoff); chat.update hangs, as a stalled connection does
    gate.close({ "chat.postMessage": "500", "chat.update": "hang" });
    const resumed = await r1.command("resume");
    expect(resumed.status).toBe(200);
    // the first page not saved, not the page whose modal was open when the process died
    expect(acknowledgedPages).not.toContain(pageOf(r1));

    // a whole screening submitted while Slack is down: the escalation is recorded, its post waits
    const r3 = person(R3);
    r3Reference = await completeScreening(r3, high.answers);
    await waitUntil(async () => (await health()).deliveries?.pending !== 0, 5_000, "the escalation post to wait in the outbox");

    // the decision commits; the bot starts updating the channel message and Slack does not answer
    const sender = running().sender;
    const updating = gate.nextFault("chat.update");
    const decided = sender.viewSubmission(decider.submission(rationaleState("End user vetted; border use only."))).catch(() => null);
    await updating;
    const pending = (await health()).deliveries;
    figures.deliveriesPendingAtKill += (pending?.pending ?? 0) + (pending?.sending ?? 0);
    expect(pending?.sending).toBeGreaterThan(0);
    // ...and a page submission is on its way when the process dies
    inFlightPage = pageOf(r1);
    const page = sender.viewSubmission(r1.pageSubmission(low.answers)).catch(() => null);
    await new Promise((r) => setImmediate(r));
    await kill();
    killedInFlightAt = Date.now();
    await Promise.all([decided, page]);
  }, 90_000);

  it("run 3: Slack is back; resume continues where the record says, the decision is whole, pending messages go out once", async () => {
    await start();
    figures.restarts++;
    gate.open();
    const before = api.calls.length;

    await r1.command("resume");
    resumedAfterInFlight = pageOf(r1);
    await r1.answerAllPages(low.answers, CALLBACK.page);
    expect(r1.requireView().view.callback_id).toBe(CALLBACK.review);
    const submitted = await r1.submit({});
    const r1Reference = referenceIn(submitted);

    // the approver tries again: the decision made it before the kill, and they are told so, in
    // the modal the click opened, with who decided
    const retry = person(approver);
    const seen = await retry.clickDecisionButton(COMPLIANCE, r2Ts, ACTION.decide.approve, r2EscalationId);
    expect(seen).toMatchObject({ kind: "refused", via: "notice" });
    expect(seen.kind === "refused" && seen.text).toContain(`${r2Reference}: This escalation is already approved. Nothing was changed. It was decided by @${approver}.`);
    await settled();

    // every message that could not be delivered before the kill is there now, once
    const r3Messages = channelMessagesAbout(r3Reference);
    expect(r3Messages).toHaveLength(1);
    expect(channelMessagesAbout(r2Reference)).toHaveLength(1);
    expect(JSON.stringify(channelMessagesAbout(r2Reference)[0])).toContain(`<@${approver}>`);
    const r2Decided = api.dms(R2).filter((m) => m.text.includes(r2Reference) && /approved:/.test(m.text));
    expect(r2Decided).toHaveLength(1);
    expect(api.dms(R3).filter((m) => m.text.includes(r3Reference))).toHaveLength(1);
    expect(api.dms(R1).filter((m) => m.text.includes(r1Reference))).toHaveLength(1);
    figures.deliveriesCompletedAfterRestart += api.calls.slice(before).filter((c) => (c.method === "chat.postMessage" || c.method === "chat.update") && c.status === 200).length;
    for (const ref of [r1Reference, r2Reference, r3Reference]) {
      const copies = api.messages(COMPLIANCE).filter((m) => m.text.includes(ref)).length;
      if (copies > 1) figures.duplicateMessages += copies - 1;
    }
    expect(figures.duplicateMessages).toBe(0);
    await kill();
  }, 90_000);

  it("the record on disk is complete and consistent", async () => {
    // the embedded database is single-process: read it only once the bot is gone
    await kill();
    const db = await openDatabase({ dataDir: join(dataDir, "data") });
    try {
      expect(await verifyAuditChain(db.prisma)).toMatchObject({ ok: true });

      // pages: every acknowledged page is saved, with its audit event; resume went to the first page not saved
      const r1Row = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: R1 } });
      const saved = await db.prisma.auditEvent.findMany({ where: { screeningId: r1Row.id, type: "answers.saved" }, orderBy: { seq: "asc" } });
      const savedPages = saved.map((e) => String((e.data as { page?: string }).page));
      const lost = acknowledgedPages.filter((p) => !savedPages.includes(p));
      figures.recordsLost += lost.length;
      expect(lost).toEqual([]);
      // resume after the in-flight kill went to the first page the record did not have
      const inFlightCommitted = saved.some((e) => (e.data as { page?: string }).page === inFlightPage && e.createdAt.getTime() <= killedInFlightAt);
      figures.inFlightPageCommitted = inFlightCommitted ? 1 : 0;
      expect(resumedAfterInFlight).toBe(inFlightCommitted ? savedPages[savedPages.indexOf(inFlightPage) + 1] : inFlightPage);
      // the page in flight at the kill: saved whole (answers + audit event + position) or not at all
      const changed = new Set(saved.flatMap((e) => (e.data as { changed?: string[] }).changed ?? []));
      const answered = new Set((await db.prisma.answer.findMany({ where: { screeningId: r1Row.id } })).map((a) => a.questionId));
      expect([...answered].sort()).toEqual([...changed].sort());
      expect(r1Row.status).toBe("cleared");

      // decisions: whole or absent, never half
      for (const requester of [R2, R3]) {
        const s = await db.prisma.screening.findFirstOrThrow({ where: { requesterId: requester }, include: { escalation: { include: { decisions: true } } } });
        const recorded = await db.prisma.auditEvent.findMany({ where: { screeningId: s.id, type: "decision.recorded" } });
        const decisions = s.escalation?.decisions ?? [];
        expect(recorded.map((e) => (e.data as { decisionId?: string }).decisionId).sort()).toEqual(decisions.map((d) => d.id).sort());
        if (requester === R2) {
          expect(decisions).toHaveLength(1);
          expect(s.status).toBe("approved");
          expect(s.escalation?.status).toBe("approved");
          // the approver's click after the restart was refused, and that is on the record too
          const refused = await db.prisma.auditEvent.findMany({ where: { screeningId: s.id, type: "decision.refused" } });
          expect(refused.map((e) => [e.actorId, e.data])).toEqual([[approver, { escalationId: s.escalation?.id, outcome: "approve", code: "already_final" }]]);
        } else {
          expect(decisions).toHaveLength(0);
          expect(s.status).toBe("escalated");
          expect(s.escalation?.messageTs).not.toBeNull();
        }
      }

      // the outbox is empty: everything delivered, nothing failed
      const open = await db.prisma.delivery.count({ where: { status: { not: "delivered" } } });
      expect(open).toBe(0);
      figures.recordsLost += await db.prisma.screening.count({ where: { status: "submitted" } });
    } finally {
      await db.close();
    }
    // no secret ever reached the process's output, across all runs
    for (const out of outputs) {
      expect(out).not.toContain(BOT_TOKEN);
      expect(out).not.toContain(SIGNING_SECRET);
    }
  }, 60_000);
});
