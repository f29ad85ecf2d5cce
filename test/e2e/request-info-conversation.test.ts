// "Request info" is a conversation: the requester answers compliance in writing from the DM
// (Reply), the answer lands in the escalation's thread under their name; and /screening list
// and the Home tab carry buttons. The real HTTP app, database and shipped rules, driven by
// signed Slack requests against the project's Web API stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { FakeMessage } from "../../src/sandbox/fake-workspace.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type Person } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const low = scenario("low_thermal_camera_private_factory");
const high = scenario("high_lawful_interception_police_no_safeguards");
const QUESTION = "Which units of the police will operate the system?";
const HOSTILE_REPLY = "Units 3 and 4 only. <!channel> <@U1> <https://evil.example|click> & co";

interface Button {
  actionId: string;
  value: string;
  text: string;
}

/** Every button in a message or view: in actions blocks and as section accessories. */
function buttonsOf(surface: { blocks?: unknown[] } | undefined): Button[] {
  const out: Button[] = [];
  const add = (el: unknown) => {
    const e = el as { type?: string; action_id?: string; value?: string; text?: { text?: string } } | undefined;
    if (e?.type === "button") out.push({ actionId: String(e.action_id), value: String(e.value ?? ""), text: String(e.text?.text) });
  };
  for (const b of surface?.blocks ?? []) {
    const block = b as { type?: string; elements?: unknown[]; accessory?: unknown };
    if (block.type === "actions") for (const el of block.elements ?? []) add(el);
    add(block.accessory);
  }
  return out;
}

function escalationMessage(reference: string): FakeMessage {
  const found = e2e.api.messages(COMPLIANCE).filter((m) => JSON.stringify(m.blocks).includes(reference));
  expect(found).toHaveLength(1);
  return found[0] as FakeMessage;
}

function threadReplies(reference: string): FakeMessage[] {
  return escalationMessage(reference).replies.filter((r) => /replied on/.test(JSON.stringify(r.blocks)));
}

async function screeningOf(reference: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
}

async function replyEvents(screeningId: string) {
  return e2e.db.prisma.auditEvent.findMany({ where: { screeningId, type: "reply.recorded" }, orderBy: { seq: "asc" } });
}

function replyState(text: string | null) {
  return { [BLOCK.reply]: { [ACTION.replyText]: { type: "plain_text_input", value: text } } };
}

/** A high-risk screening escalated, and compliance asking for more information; returns its reference and the DM. */
async function infoRequested(requester: Person): Promise<{ reference: string; screeningId: string; dm: FakeMessage }> {
  const reference = await completeScreening(requester, high.answers);
  await e2e.settle();
  const row = await screeningOf(reference);
  const approver = e2e.person(APPROVERS[0] ?? "");
  await approver.clickMessageButton(COMPLIANCE, escalationMessage(reference).ts, ACTION.decide.request_info, row.escalation?.id ?? "");
  const decided = await approver.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: QUESTION } } });
  expect((decided.json as { response_action?: string }).response_action).toBe("clear");
  await e2e.settle();
  expect((await screeningOf(reference)).status).toBe("info_requested");
  const dm = e2e.api.dms(requester.userId).find((m) => JSON.stringify(m.blocks).includes(QUESTION) && JSON.stringify(m.blocks).includes(reference));
  if (!dm) throw new Error(`no request-info DM for ${reference}`);
  return { reference, screeningId: row.id, dm };
}

/** What a click on a button opened (views.open, or views.push onto an open modal), as it is shown now. */
function openedSince(since: number) {
  const call = e2e.api.calls.slice(since).find((c) => (c.method === "views.open" || c.method === "views.push") && (c.response as { ok?: boolean } | undefined)?.ok);
  const id = (call?.response as { view?: { id?: string } } | undefined)?.view?.id;
  return id ? e2e.api.view(id) : undefined;
}

/** Clicks a button on the person's Home tab, as Slack sends it (a view container holding the Home view). */
async function clickOnHome(userId: string, blockId: string, actionId: string, value: string) {
  const home = e2e.api.homeOf(userId);
  if (!home) throw new Error(`${userId} has no Home tab`);
  const since = e2e.api.calls.length;
  const reply = await e2e.sender.blockActions({
    user: userId,
    actions: [{ action_id: actionId, block_id: blockId, value, type: "button" }],
    container: "view",
    view: { ...home, id: home.id },
  });
  expect(reply.status).toBe(200);
  return openedSince(since);
}

/** Presses Reply in the DM: the reply modal becomes the person's open view. */
async function openReply(person: Person, dm: FakeMessage, screeningId: string): Promise<void> {
  const click = await person.clickMessageButton(dm.channel, dm.ts, ACTION.reply, screeningId);
  expect(click.status).toBe(200);
  expect(person.requireView().view.callback_id).toBe(CALLBACK.reply);
}

describe("Request info → Reply", () => {
  it("the DM offers Reply and Edit answers; Reply posts the text in the escalation's thread, attributed, escaped and audited", async () => {
    const requester = e2e.person("UCONVO1");
    const { reference, screeningId, dm } = await infoRequested(requester);
    expect(buttonsOf(dm).map((b) => [b.text, b.actionId, b.value])).toEqual([
      ["Reply", ACTION.reply, screeningId],
      ["Edit answers", ACTION.reopen, screeningId],
    ]);

    // Reply opens the modal straight away, with one multiline input.
    const since = e2e.api.calls.length;
    await openReply(requester, dm, screeningId);
    const opened = e2e.api.calls.slice(since).filter((c) => c.method.startsWith("views."));
    expect(opened.map((c) => c.method)).toEqual(["views.open"]);
    const input = (requester.requireView().view.blocks ?? []).find((b) => b.type === "input") as { label?: { text?: string }; element?: { multiline?: boolean } };
    expect(input.label?.text).toBe("Your reply to compliance");
    expect(input.element?.multiline).toBe(true);

    const reply = await requester.submit(replyState(HOSTILE_REPLY));
    expect((reply.json as { response_action?: string }).response_action).toBe("update");
    expect(JSON.stringify(requester.requireView().view)).toMatch(/Reply sent/);
    await e2e.settle();

    const posted = threadReplies(reference);
    expect(posted).toHaveLength(1);
    const text = JSON.stringify(posted[0]);
    expect(text).toContain("<@UCONVO1> replied on");
    expect(text).toContain("Units 3 and 4 only. &lt;!channel&gt; &lt;@U1&gt; &lt;https://evil.example|click&gt; &amp; co");
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<@U1>");
    expect(text).not.toContain("<https://evil.example|click>");

    const events = await replyEvents(screeningId);
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: "UCONVO1", screeningId });
    expect(events[0]?.data).toMatchObject({ text: HOSTILE_REPLY });
    // A reply changes nothing about the screening: it still waits for changed answers.
    expect((await screeningOf(reference)).status).toBe("info_requested");
  });

  it("nobody but the requester can reply, and nothing is recorded or posted when they try", async () => {
    const requester = e2e.person("UCONVO2");
    const { reference, screeningId, dm } = await infoRequested(requester);
    for (const intruder of [e2e.person("UINTRUDER"), e2e.person(APPROVERS[1] ?? "")]) {
      // The DM is not theirs, but a forged click carries the screening's id all the same.
      await openReply(intruder, dm, screeningId);
      const reply = await intruder.submit(replyState("I answer for them"));
      expect((reply.json as { response_action?: string }).response_action).toBe("update");
      expect(JSON.stringify(intruder.requireView().view)).toMatch(/belongs to someone else/);
      const refused = await e2e.db.prisma.auditEvent.findFirst({ where: { screeningId, actorId: intruder.userId, type: "access.refused" } });
      expect(refused?.data).toMatchObject({ reason: "not_requester", action: "reply" });
    }
    await e2e.settle();
    expect(await replyEvents(screeningId)).toHaveLength(0);
    expect(threadReplies(reference)).toHaveLength(0);
  });

  it("a double submission of the same reply (same view id and hash) posts it once", async () => {
    const requester = e2e.person("UCONVO3");
    const { reference, screeningId, dm } = await infoRequested(requester);
    await openReply(requester, dm, screeningId);
    const submission = requester.submission(replyState("Units 3 and 4, under the 2019 interception law."));
    const [first, second] = await Promise.all([e2e.sender.viewSubmission(submission), e2e.sender.viewSubmission(submission)]);
    for (const r of [first, second]) {
      expect(r?.status).toBe(200);
      expect(JSON.stringify(r?.json)).toMatch(/Reply sent/);
    }
    const third = await e2e.sender.viewSubmission(submission);
    expect(JSON.stringify(third.json)).toMatch(/Reply sent/);
    await e2e.settle();
    expect(await replyEvents(screeningId)).toHaveLength(1);
    expect(threadReplies(reference)).toHaveLength(1);
  });

  it("an empty or too long reply gets a field error that says what to do, and nothing is recorded", async () => {
    const requester = e2e.person("UCONVO4");
    const { reference, screeningId, dm } = await infoRequested(requester);
    await openReply(requester, dm, screeningId);
    for (const [text, expected] of [
      ["   \n ", /Write your reply/],
      [null, /Write your reply/],
      ["x".repeat(3001), /3001 characters long; shorten it to 3000 or fewer/],
    ] as const) {
      const reply = await requester.submit(replyState(text));
      const json = reply.json as { response_action?: string; errors?: Record<string, string> };
      expect(json.response_action).toBe("errors");
      expect(Object.keys(json.errors ?? {})).toEqual([BLOCK.reply]);
      expect(json.errors?.[BLOCK.reply]).toMatch(expected);
      expect(requester.requireView().view.callback_id).toBe(CALLBACK.reply);
    }
    // Exactly 3000 characters is fine.
    const ok = await requester.submit(replyState("y".repeat(3000)));
    expect((ok.json as { response_action?: string }).response_action).toBe("update");
    await e2e.settle();
    expect(await replyEvents(screeningId)).toHaveLength(1);
    expect(threadReplies(reference)).toHaveLength(1);
    expect(JSON.stringify(threadReplies(reference)[0]).split("y").length - 1).toBeGreaterThanOrEqual(3000);
  });

  it("replies only while the screening waits for compliance: not while its answers are being edited, not once it is cleared", async () => {
    const requester = e2e.person("UCONVO5");
    const { reference, screeningId, dm } = await infoRequested(requester);
    // Edit answers reopens the screening as a draft: compliance now waits for the changed answers.
    await requester.clickMessageButton(dm.channel, dm.ts, ACTION.reopen, screeningId);
    expect((await screeningOf(reference)).status).toBe("draft");
    await openReply(requester, dm, screeningId);
    await requester.submit(replyState("Late reply"));
    expect(JSON.stringify(requester.requireView().view)).toMatch(/open for editing.*Nothing was sent/);

    const clearedRef = await completeScreening(requester, low.answers);
    const cleared = await screeningOf(clearedRef);
    expect(cleared.status).toBe("cleared");
    await openReply(requester, dm, cleared.id);
    await requester.submit(replyState("Anything?"));
    expect(JSON.stringify(requester.requireView().view)).toMatch(new RegExp(`${clearedRef} is not waiting for compliance.*Nothing was sent`));

    await e2e.settle();
    expect(await replyEvents(screeningId)).toHaveLength(0);
    expect(await replyEvents(cleared.id)).toHaveLength(0);
  });
});

describe("buttons in /screening list and on the Home tab", () => {
  it("/screening list gives each screening Resume (draft, more information requested) or View (submitted)", async () => {
    const requester = e2e.person("UBUTTONS");
    const { reference: infoRef, screeningId: infoId } = await infoRequested(requester);
    const clearedRef = await completeScreening(requester, low.answers);
    await requester.command("new");
    await requester.closeView();
    const draft = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UBUTTONS", status: "draft" } });
    const cleared = await screeningOf(clearedRef);

    const list = await requester.command("list");
    const buttons = buttonsOf(list.json as { blocks?: unknown[] });
    expect(buttons).toHaveLength(3);
    expect(buttons).toContainEqual({ text: "Resume", actionId: `${ACTION.resume}:${draft.id}`, value: draft.id });
    expect(buttons).toContainEqual({ text: "Resume", actionId: `${ACTION.resume}:${infoId}`, value: infoId });
    expect(buttons).toContainEqual({ text: "View", actionId: ACTION.viewAnswers, value: cleared.id });
    expect(JSON.stringify(list.json)).toContain(infoRef);

    // Resume on the list reopens the draft in a modal; View shows the cleared screening.
    await requester.clickMessageButton("C0GENERAL", "1767225600.000100", `${ACTION.resume}:${draft.id}`, draft.id);
    expect(requester.requireView().view.callback_id).toBe(CALLBACK.page);
    await requester.closeView();
    await requester.clickMessageButton("C0GENERAL", "1767225600.000200", ACTION.viewAnswers, cleared.id);
    expect(JSON.stringify(requester.requireView().view.blocks)).toContain(clearedRef);
    expect(JSON.stringify(requester.requireView().view)).not.toMatch(/Cannot show|could not/i);

    const home = await requester.openHome();
    expect(home.status).toBe(200);
    const homeButtons = buttonsOf(e2e.api.homeOf("UBUTTONS"));
    expect(homeButtons).toContainEqual({ text: "Resume", actionId: `${ACTION.resume}:${draft.id}`, value: draft.id });
    expect(homeButtons).toContainEqual({ text: "Resume", actionId: `${ACTION.resume}:${infoId}`, value: infoId });
    expect(homeButtons).toContainEqual({ text: "View", actionId: ACTION.viewAnswers, value: cleared.id });

    // View on the Home tab opens the screening in a modal. Nothing else is open, as when a person
    // looks at their Home tab: there is no modal to push onto.
    for (const open of e2e.api.workspace.openModals()) e2e.api.workspace.closeView(open.id);
    const homeBlocks = (e2e.api.homeOf("UBUTTONS")?.blocks ?? []) as Array<{ block_id?: string; accessory?: { value?: string } }>;
    const clearedBlock = homeBlocks.find((b) => b.accessory?.value === cleared.id);
    const shown = await clickOnHome("UBUTTONS", clearedBlock?.block_id ?? "", ACTION.viewAnswers, cleared.id);
    expect(shown?.type).toBe("modal");
    expect(JSON.stringify(shown?.blocks)).toContain(clearedRef);
  });

  it("an approver's waiting entry links to the escalation message, and the Home tab opens without the link when Slack cannot give one", async () => {
    const reference = await completeScreening(e2e.person("UWAITING"), high.answers);
    await e2e.settle();
    const row = await screeningOf(reference);
    const message = escalationMessage(reference);
    const approver = e2e.person(APPROVERS[2] ?? "");
    await approver.openHome();
    const permalink = `https://${e2e.api.identity.teamDomain}.slack.com/archives/${COMPLIANCE}/p${message.ts.replace(".", "")}`;
    const entryOf = () => {
      const blocks = (e2e.api.homeOf(approver.userId)?.blocks ?? []) as Array<{ block_id?: string; text?: { text?: string }; accessory?: unknown }>;
      return blocks.find((b) => b.block_id?.startsWith("awaiting:") && b.block_id.endsWith(row.escalation?.id ?? "-"));
    };
    expect(entryOf()?.text?.text).toContain(`*<${permalink}|${reference}>*`);
    expect(buttonsOf({ blocks: [entryOf()] })).toEqual([{ text: "View", actionId: ACTION.viewAnswers, value: row.id }]);

    // Slack refusing every permalink (this is the file's last use of chat.getPermalink).
    e2e.api.failNext("chat.getPermalink", { error: "internal_error", times: 1000 });
    const before = e2e.api.callsTo("views.publish").length;
    expect((await approver.openHome()).status).toBe(200);
    expect(e2e.api.callsTo("views.publish").length).toBe(before + 1);
    expect(entryOf()?.text?.text).toMatch(new RegExp(`^\\*${reference}\\* · tier`));
  });
});
