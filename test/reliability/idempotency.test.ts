// Point 1, idempotency: every state-changing request carries a key (view id + hash, action id +
// action_ts, trigger id, Events API retry headers); a replay or a double-click has exactly one
// effect and gets a sensible answer. Driven through the real HTTP app with signed requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, CALLBACK } from "../../src/slack/ids.js";
import { blockActionsBody, slashCommandBody, viewClosedBody } from "../../src/sandbox/slack-requests.js";
import type { E2E } from "../e2e/support/harness.js";
import { answerAllPages } from "../e2e/support/scenarios.js";
import { ackOf, applyAck, auditCount, escalationMessage, high, low, medium, openDecision, pageSubmission, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { APPROVERS, COMPLIANCE, printFigures, startSingle } from "./support/instances.js";

let e2e: E2E;
const figures = { requestsReplayed: 0, duplicatesSuppressed: 0 };

beforeAll(async () => {
  e2e = await startSingle();
}, 60_000);
afterAll(async () => {
  printFigures("idempotency", figures);
  await e2e?.close();
});

/** Sends the same request `copies` times (in parallel when `parallel`); counts the replays. */
async function replay<T>(copies: number, parallel: boolean, send: () => Promise<T>): Promise<T[]> {
  figures.requestsReplayed += copies - 1;
  if (parallel) return Promise.all(Array.from({ length: copies }, send));
  const out: T[] = [];
  for (let i = 0; i < copies; i++) out.push(await send());
  return out;
}

function suppressed(n: number): void {
  figures.duplicatesSuppressed += n;
}

describe("page submissions", () => {
  it("a replayed page saves once, and every copy is answered with the next page", async () => {
    const person = e2e.person("UIDEMPAGE");
    await person.command("new");
    const first = person.requireView();
    const screening = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const input = pageSubmission(e2e, person, low.answers);

    const replies = await replay(3, false, () => sendSubmission(e2e, input));
    for (const r of replies) {
      expect(r.status).toBe(200);
      expect(ackOf(r).response_action).toBe("update");
    }
    const titles = replies.map((r) => ackOf(r).view?.title?.text);
    expect(new Set(titles).size).toBe(1);
    expect(titles[0]).not.toBe(first.view.title?.text);

    expect(await auditCount(e2e, { screeningId: screening.id, type: "answers.saved" })).toBe(1);
    const rows = await e2e.db.prisma.answer.findMany({ where: { screeningId: screening.id } });
    expect(rows.every((r) => r.supersededAt === null)).toBe(true);
    expect(new Set(rows.map((r) => r.questionId)).size).toBe(rows.length);
    expect(await e2e.db.prisma.processedRequest.count({ where: { key: { contains: first.id } } })).toBe(1);
    suppressed(2);
    applyAck(e2e, first.id, replies[0] ?? { status: 0, text: "" });
  });

  it("a double-clicked page (copies in flight together) saves once", async () => {
    const person = e2e.person("UIDEMDOUBLE");
    await person.command("new");
    await person.submitPage(low.answers);
    const screening = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const before = await e2e.db.prisma.answer.count({ where: { screeningId: screening.id } });
    const input = pageSubmission(e2e, person, low.answers);

    const replies = await replay(4, true, () => sendSubmission(e2e, input));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    expect(new Set(replies.map((r) => ackOf(r).view?.title?.text)).size).toBe(1);
    expect(await auditCount(e2e, { screeningId: screening.id, type: "answers.saved" })).toBe(2);
    const after = await e2e.db.prisma.answer.findMany({ where: { screeningId: screening.id } });
    expect(after.every((r) => r.supersededAt === null)).toBe(true);
    expect(after.length).toBeGreaterThan(before);
    suppressed(3);
  });
});

describe("submitting the review", () => {
  it("a double-clicked Submit escalates once: one escalation, one channel message, one DM; both copies show the result", async () => {
    const person = e2e.person("UIDEMSUBMIT");
    await person.command("new");
    await answerAllPages(person, high.answers);
    expect(person.requireView().view.callback_id).toBe(CALLBACK.review);
    const input = person.submission({});

    const replies = await replay(3, true, () => sendSubmission(e2e, input));
    for (const r of replies) {
      expect(ackOf(r).response_action).toBe("update");
      expect(JSON.stringify(ackOf(r).view)).toMatch(/DD-\d{4}-\d{4}/);
    }
    await e2e.settle();
    const screening = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId }, include: { escalation: true } });
    expect(screening.status).toBe("escalated");
    expect(await e2e.db.prisma.escalation.count({ where: { screeningId: screening.id } })).toBe(1);
    expect(await auditCount(e2e, { screeningId: screening.id, type: "screening.submitted" })).toBe(1);
    expect(e2e.api.messages(COMPLIANCE).filter((m) => JSON.stringify(m).includes(screening.reference))).toHaveLength(1);
    expect(e2e.api.dms(person.userId).filter((m) => JSON.stringify(m).includes(screening.reference))).toHaveLength(1);
    suppressed(2);
  });
});

describe("decisions", () => {
  it("a replayed decision records one decision and answers every copy by closing the modal", async () => {
    const screening = await submitScreening(e2e, e2e.person("UIDEMDECIDE"), medium.answers);
    const { escalationId, ts } = await escalationMessage(e2e, screening.id);
    const approver = await openDecision(e2e, APPROVERS[0] ?? "", ts, "approve", escalationId);
    const input = approver.submission(rationaleState("Vetted end user."));

    const sequential = await replay(2, false, () => sendSubmission(e2e, input));
    const parallel = await replay(3, true, () => sendSubmission(e2e, input));
    for (const r of [...sequential, ...parallel]) expect(ackOf(r).response_action).toBe("clear");
    // the second and later copies are one replay series of the same request
    figures.requestsReplayed += 1;
    await e2e.settle();
    expect(await e2e.db.prisma.decision.count({ where: { escalationId } })).toBe(1);
    expect(await auditCount(e2e, { screeningId: screening.id, type: "decision.recorded" })).toBe(1);
    expect(e2e.api.dms("UIDEMDECIDE").filter((m) => /white_check_mark/.test(JSON.stringify(m)))).toHaveLength(1);
    suppressed(4);
  });

  it("a replayed decision-button click (same action_ts) opens at most one modal and changes nothing", async () => {
    const screening = await submitScreening(e2e, e2e.person("UIDEMCLICK"), high.answers);
    const { escalationId, ts } = await escalationMessage(e2e, screening.id);
    const body = messageClickBody(APPROVERS[1] ?? "", ts, escalationId);
    const before = await e2e.db.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId } });
    const since = e2e.api.calls.length;
    const replies = await replay(2, false, () => e2e.sender.send(body, "application/x-www-form-urlencoded"));
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    const opened = e2e.api.calls.slice(since).filter((c) => c.method === "views.open" && (c.response as { ok?: boolean })?.ok);
    expect(opened).toHaveLength(1);
    expect(await e2e.db.prisma.escalation.findUniqueOrThrow({ where: { id: escalationId } })).toMatchObject({ version: before.version, status: before.status });
    suppressed(1);
  });
});

function messageClickBody(userId: string, ts: string, escalationId: string): string {
  const message = e2e.api.message(COMPLIANCE, ts);
  return blockActionsBody({
    user: userId,
    actions: [{ action_id: ACTION.decide.approve, block_id: "actions", value: escalationId, type: "button", action_ts: "1767225600.000100" }],
    container: "message",
    channel: COMPLIANCE,
    message: { ...(message ?? {}), ts },
    triggerId: "1337.42.a1b2c3d4",
    responseUrl: e2e.api.responseUrl(),
  });
}

describe("commands, Home tab buttons, closing a modal, Events API retries", () => {
  it("a replayed /screening new (same trigger_id) creates one screening and says so", async () => {
    const user = "UIDEMCMD";
    const body = slashCommandBody({ command: "/screening", text: "new", userId: user, triggerId: "4242.1.c0ffee01", responseUrl: e2e.api.responseUrl() });
    const replies = await replay(2, false, () => e2e.sender.send(body, "application/x-www-form-urlencoded"));
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expect(await e2e.db.prisma.screening.count({ where: { requesterId: user } })).toBe(1);
    // Slack refuses the second copy's modal (a trigger id is single-use) and the person is told so
    const told = await e2e.api.waitForResponse((p) => JSON.stringify(p.body).includes("already used"));
    expect(JSON.stringify(told.body)).toContain("/screening resume");
    expect(await auditCount(e2e, { type: "screening.created", screeningId: (await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: user } })).id })).toBe(1);
    // the first copy opened the modal
    expect(e2e.api.callsTo("views.open").some((c) => c.args.trigger_id === "4242.1.c0ffee01" && (c.response as { ok?: boolean })?.ok)).toBe(true);
    suppressed(1);
  });

  it("a replayed Home-tab 'New screening' click (same action_ts) creates one screening", async () => {
    const user = "UIDEMHOME";
    await e2e.person(user).openHome();
    const home = e2e.api.homeOf(user);
    expect(home).toBeDefined();
    const body = blockActionsBody({
      user,
      actions: [{ action_id: ACTION.start, block_id: "home_actions", value: "new", type: "button", action_ts: "1767225600.000200" }],
      container: "view",
      view: { ...(home ?? {}), id: home?.id ?? "" },
      triggerId: "4242.2.c0ffee02",
    });
    const replies = await replay(3, false, () => e2e.sender.send(body, "application/x-www-form-urlencoded"));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await e2e.db.prisma.screening.count({ where: { requesterId: user } })).toBe(1);
    suppressed(2);
  });

  it("a replayed view_closed records the pause once", async () => {
    const person = e2e.person("UIDEMCLOSE");
    await person.command("new");
    await person.submitPage(low.answers);
    const current = person.requireView();
    const fake = e2e.api.view(current.id);
    const screening = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId } });
    const body = viewClosedBody({ user: person.userId, view: { ...(fake ?? {}), id: current.id, hash: current.hash } });
    const replies = await replay(3, false, () => e2e.sender.send(body, "application/x-www-form-urlencoded"));
    expect(replies.map((r) => r.status)).toEqual([200, 200, 200]);
    expect(await auditCount(e2e, { screeningId: screening.id, type: "interview.paused" })).toBe(1);
    suppressed(2);
  });

  it("Events API retries (X-Slack-Retry-Num) are acknowledged and change nothing", async () => {
    const user = "UIDEMEVENT";
    const before = { audit: await auditCount(e2e), screenings: await e2e.db.prisma.screening.count(), deliveries: await e2e.db.prisma.delivery.count() };
    const event = { type: "app_home_opened", user, tab: "home" as const, eventId: "Ev0RETRIED01" };
    const first = await e2e.sender.event(event);
    const retries = await replay(3, false, () => e2e.sender.event(event, { "X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout" }));
    for (const r of [first, ...retries]) expect(r.status).toBe(200);
    expect({ audit: await auditCount(e2e), screenings: await e2e.db.prisma.screening.count(), deliveries: await e2e.db.prisma.delivery.count() }).toEqual(before);
    expect(e2e.api.homeOf(user)).toBeDefined();
    suppressed(2);
  });

  it("a replayed 'Edit answers' click after Request info reopens once", async () => {
    const person = e2e.person("UIDEMREOPEN");
    const screening = await submitScreening(e2e, person, medium.answers);
    const { escalationId, ts } = await escalationMessage(e2e, screening.id);
    const approver = await openDecision(e2e, APPROVERS[2] ?? "", ts, "request_info", escalationId);
    expect(ackOf(await approver.submit(rationaleState("Which units?"))).response_action).toBe("clear");
    await e2e.settle();
    const dm = e2e.api.dms(person.userId).find((m) => JSON.stringify(m).includes("Which units"));
    expect(dm).toBeDefined();
    const body = blockActionsBody({
      user: person.userId,
      actions: [{ action_id: ACTION.reopen, block_id: "actions", value: screening.id, type: "button", action_ts: "1767225600.000300" }],
      container: "message",
      channel: dm?.channel ?? "",
      message: { ...(dm ?? {}), ts: dm?.ts ?? "" },
      responseUrl: e2e.api.responseUrl(),
    });
    const replies = await replay(2, false, () => e2e.sender.send(body, "application/x-www-form-urlencoded"));
    expect(replies.map((r) => r.status)).toEqual([200, 200]);
    expect(await auditCount(e2e, { screeningId: screening.id, type: "screening.reopened" })).toBe(1);
    expect((await e2e.db.prisma.screening.findUniqueOrThrow({ where: { id: screening.id } })).status).toBe("draft");
    suppressed(1);
  });
});
