// The product's main job, end to end: the real HTTP app on the real database with the shipped
// rules, driven by signed Slack requests; Slack's side is the project's Web API stand-in.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { signSlackRequest } from "../../src/sandbox/signing.js";
import { APPROVERS, COMPLIANCE, SIGNING_SECRET, startE2E, type E2E } from "./support/harness.js";
import { clickDecision } from "./support/decisions.js";
import { answerAllPages, completeScreening, scenario } from "./support/scenarios.js";

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const low = scenario("low_thermal_camera_private_factory");
const medium = scenario("medium_drone_border_authority");
const high = scenario("high_lawful_interception_police_no_safeguards");

function escalationFor(reference: string) {
  const messages = e2e.api.messages(COMPLIANCE).filter((m) => JSON.stringify(m).includes(reference));
  return messages;
}

function buttonsOf(message: { blocks?: unknown[] }): string[] {
  const out: string[] = [];
  for (const b of message.blocks ?? []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; text?: { text?: string } }> };
    if (block.type === "actions") for (const el of block.elements ?? []) if (el.type === "button") out.push(String(el.text?.text));
  }
  return out;
}

async function screeningRow(reference: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: { include: { decisions: true } } } });
}

function rationaleState(text: string) {
  return { [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: text } } };
}

/**
 * `userId` clicks the `outcome` button and, if the decision form is what the modal becomes,
 * submits it with `rationale`; refused, returns the notice the modal became instead.
 */
async function decide(userId: string, reference: string, outcome: keyof typeof ACTION.decide, rationale: string, extra: Record<string, unknown> = {}) {
  const [message] = escalationFor(reference);
  if (!message) throw new Error(`no escalation message for ${reference}`);
  const row = await screeningRow(reference);
  const person = e2e.person(userId);
  const click = await clickDecision(e2e, person, message.ts, outcome, row.escalation?.id ?? "");
  if (click.kind === "refused") return { person, refused: click.notice };
  const reply = await person.submit({ ...rationaleState(rationale), ...extra });
  await e2e.settle();
  return { person, refused: null, reply };
}

/** The refusals recorded for `actorId` on this screening, oldest first (each click that was refused leaves one). */
async function refusalsOf(reference: string, actorId: string) {
  const row = await screeningRow(reference);
  const events = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: row.id, type: "decision.refused", actorId }, orderBy: { seq: "asc" } });
  return events.map((e) => e.data);
}

describe("signatures and health", () => {
  it("answers /healthz with the database state", async () => {
    const res = await fetch(`${e2e.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ ok: true, database: "ok" });
  });

  it("refuses unsigned, wrongly signed and stale requests with 401 and records nothing", async () => {
    const before = await e2e.db.prisma.screening.count();
    const body = "command=%2Fscreening&text=new&user_id=UEVIL&trigger_id=1.2.3&team_id=T1&channel_id=C1&response_url=http%3A%2F%2F127.0.0.1%2Fx";
    const post = (headers: Record<string, string>) =>
      fetch(`${e2e.baseUrl}/slack/events`, { method: "POST", headers: { "content-type": "application/x-www-form-urlencoded", ...headers }, body });
    expect((await post({})).status).toBe(401);
    expect((await post({ "x-slack-signature": "v0=deadbeef", "x-slack-request-timestamp": String(Math.floor(Date.now() / 1000)) })).status).toBe(401);
    const stale = await e2e.sender.send(body, "application/x-www-form-urlencoded", { ...signSlackRequest(SIGNING_SECRET, body, Math.floor(Date.now() / 1000) - 600) });
    expect(stale.status).toBe(401);
    expect(await e2e.db.prisma.screening.count()).toBe(before);
  });
});

describe("subcommands", () => {
  it("help lists the subcommands; unknown text says so and records nothing", async () => {
    const person = e2e.person("UHELP");
    const help = await person.command("help");
    const helpText = person.lastEphemeralText(help);
    for (const sub of ["new", "resume", "list", "status", "help"]) expect(helpText).toContain(sub);
    const before = await e2e.db.prisma.screening.count();
    const unknown = await person.command("frobnicate <!channel>");
    expect(person.lastEphemeralText(unknown)).toMatch(/unknown subcommand/i);
    expect(person.lastEphemeralText(unknown)).not.toContain("<!channel>");
    expect(await e2e.db.prisma.screening.count()).toBe(before);
    expect(person.view).toBeNull();
  });

  it("list and status show a requester's own screenings, and no one else's", async () => {
    const person = e2e.person("ULISTER");
    const ref = await completeScreening(person, low.answers);
    const list = person.lastEphemeralText(await person.command("list"));
    expect(list).toContain(ref);
    const status = person.lastEphemeralText(await person.command(`status ${ref}`));
    expect(status).toContain(ref);
    expect(status).toMatch(/cleared/i);
    const stranger = e2e.person("USTRANGER");
    const peek = stranger.lastEphemeralText(await stranger.command(`status ${ref}`));
    expect(peek).not.toMatch(/cleared/i);
    expect(peek).toMatch(/no screening/i);
  });
});

describe("interview", () => {
  it("opens the first page, skips pages that do not apply, and reviews before submitting", async () => {
    const person = e2e.person("UPAGES");
    await person.command("");
    expect(person.view?.view.callback_id).toBe(CALLBACK.page);
    const titles = await answerAllPages(person, low.answers);
    expect(person.view?.view.callback_id).toBe(CALLBACK.review);
    // a benign item for a private buyer in a low-risk country: the deeper pages are skipped
    expect(titles).toEqual(["The deal", "Customer and delivery"]);
    const deep = ["What it can do", "About the customer", "Safeguards"];
    const highTitles = await (async () => {
      const other = e2e.person("UPAGESHIGH");
      await other.command("");
      return answerAllPages(other, high.answers);
    })();
    expect(highTitles).toEqual(["The deal", "Customer and delivery", ...deep]);
  });

  it("answers invalid input with field errors keyed by block id and saves nothing", async () => {
    const person = e2e.person("UERRORS");
    await person.command("new");
    const view = person.requireView().view;
    const reply = await person.submit({});
    const json = reply.json as { response_action: string; errors: Record<string, string> };
    expect(json.response_action).toBe("errors");
    const inputIds = (view.blocks ?? []).filter((b) => b.type === "input" && !(b as { optional?: boolean }).optional).map((b) => String(b.block_id));
    expect(Object.keys(json.errors).sort()).toEqual(inputIds.sort());
    expect(Object.values(json.errors)[0]).toMatch(/needs an answer/);
    const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UERRORS" } });
    expect(await e2e.db.prisma.answer.count({ where: { screeningId: row.id } })).toBe(0);
  });

  it("keeps the draft when the modal is closed, and resume reopens it where it stopped with answers filled in", async () => {
    const person = e2e.person("URESUME");
    await person.command("new");
    await person.submitPage(low.answers);
    const secondTitle = person.requireView().view.title?.text;
    await person.closeView();
    expect(person.view).toBeNull();
    await person.command("resume");
    expect(person.view?.view.title?.text).toBe(secondTitle);
    // back to the first page: its answers are prefilled
    await person.clickInView(ACTION.back, JSON.parse(person.requireView().view.private_metadata ?? "{}").p);
    expect(JSON.stringify(person.requireView().view)).toContain(String(low.answers.item_description));
  });
});

describe("outcomes", () => {
  it("clears a low-risk screening with a DM summary and posts nothing to compliance", async () => {
    const person = e2e.person("ULOW");
    const ref = await completeScreening(person, low.answers);
    await e2e.settle();
    expect((await screeningRow(ref)).status).toBe("cleared");
    const dms = e2e.api.dms("ULOW");
    expect(dms.some((m) => JSON.stringify(m).includes(ref))).toBe(true);
    expect(escalationFor(ref)).toHaveLength(0);
  });

  it("escalates a high-risk screening with exactly one channel message carrying the facts, the four decision buttons and View answers", async () => {
    const person = e2e.person("UHIGH");
    const ref = await completeScreening(person, high.answers);
    await e2e.settle();
    const row = await screeningRow(ref);
    expect(row.status).toBe("escalated");
    expect(row.tier).toBe("high");
    const messages = escalationFor(ref);
    expect(messages).toHaveLength(1);
    const text = JSON.stringify(messages[0]);
    expect(text).toContain("<@UHIGH>");
    expect(text).toContain(`/screening status ${ref}`);
    expect(text).toMatch(/Source|source/);
    expect(buttonsOf(messages[0] ?? {})).toEqual(["Approve", "Approve with conditions", "Reject", "Request info", "View answers"]);
    expect(e2e.api.dms("UHIGH").some((m) => JSON.stringify(m).includes(ref))).toBe(true);
  });

  it("approves a one-approver escalation: message updated in place, buttons removed, requester told", async () => {
    const ref = await completeScreening(e2e.person("UMED"), medium.answers);
    await e2e.settle();
    expect((await screeningRow(ref)).tier).toBe("medium");
    const { reply } = await decide(APPROVERS[0] ?? "", ref, "approve", "End user vetted; lawful border use.");
    expect((reply?.json as { response_action?: string })?.response_action).toBe("clear");
    const row = await screeningRow(ref);
    expect(row.status).toBe("approved");
    expect(row.escalation?.decisions).toHaveLength(1);
    const [message] = escalationFor(ref);
    expect(escalationFor(ref)).toHaveLength(1);
    expect(buttonsOf(message ?? {})).toEqual(["View answers"]);
    expect(JSON.stringify(message)).toContain(`<@${APPROVERS[0]}>`);
    expect(e2e.api.dms("UMED").some((m) => /approved/i.test(JSON.stringify(m)))).toBe(true);
  });

  it("approves with conditions from the rules and in the approver's own words", async () => {
    const ref = await completeScreening(e2e.person("UCOND"), medium.answers);
    await e2e.settle();
    const person = e2e.person(APPROVERS[1] ?? "");
    const [message] = escalationFor(ref);
    const row = await screeningRow(ref);
    await person.clickMessageButton(COMPLIANCE, message?.ts ?? "", ACTION.decide.approve_with_conditions, row.escalation?.id ?? "");
    const modal = JSON.stringify(person.requireView().view);
    const conditionValue = /"value":"([a-z_]+)"/.exec(modal.slice(modal.indexOf(BLOCK.conditions)))?.[1] ?? "";
    const reply = await person.submit({
      ...rationaleState("Acceptable with contractual limits."),
      [BLOCK.conditions]: { [ACTION.conditions]: { type: "multi_static_select", selected_options: [{ value: conditionValue }] } },
      [BLOCK.conditionsText]: { [ACTION.conditionsText]: { type: "plain_text_input", value: "Reassess before 2027-06-30" } },
    });
    expect((reply.json as { response_action?: string }).response_action).toBe("clear");
    await e2e.settle();
    const after = await screeningRow(ref);
    expect(after.status).toBe("approved");
    expect(after.escalation?.decisions[0]).toMatchObject({ outcome: "approve_with_conditions", conditions: [conditionValue], conditionsText: "Reassess before 2027-06-30" });
    expect(JSON.stringify(escalationFor(ref)[0])).toContain("Reassess before 2027-06-30");
  });

  it("rejects: final at once, and later clicks are refused with who decided", async () => {
    const ref = await completeScreening(e2e.person("UREJ"), high.answers);
    await e2e.settle();
    await decide(APPROVERS[0] ?? "", ref, "reject", "Credible reports of misuse by this agency.");
    expect((await screeningRow(ref)).status).toBe("rejected");
    expect(buttonsOf(escalationFor(ref)[0] ?? {})).toEqual(["View answers"]);
    const decided = await screeningRow(ref);
    const late = await decide(APPROVERS[1] ?? "", ref, "approve", "late");
    expect(late.refused).toContain(`${ref}: This escalation is already rejected. Nothing was changed. It was decided by @${APPROVERS[0]}.`);
    const after = await screeningRow(ref);
    expect(after.escalation?.decisions).toHaveLength(1);
    expect(after.escalation?.version).toBe(decided.escalation?.version);
    expect(after.version).toBe(decided.version);
    expect(await refusalsOf(ref, APPROVERS[1] ?? "")).toEqual([{ escalationId: decided.escalation?.id, outcome: "approve", code: "already_final" }]);
  });

  it("request info: the requester is asked, edits, resubmits; the same escalation is updated and its thread told", async () => {
    const requester = e2e.person("UINFO");
    const ref = await completeScreening(requester, medium.answers);
    await e2e.settle();
    await decide(APPROVERS[0] ?? "", ref, "request_info", "Which units of the border authority will operate the drones?");
    expect((await screeningRow(ref)).status).toBe("info_requested");
    const dm = e2e.api.dms("UINFO").find((m) => JSON.stringify(m).includes("Which units"));
    expect(dm).toBeDefined();
    // the DM's button reopens the screening at the review
    await requester.clickMessageButton(dm?.channel ?? "UINFO", dm?.ts ?? "", ACTION.reopen, (await screeningRow(ref)).id);
    expect(requester.view?.view.callback_id).toBe(CALLBACK.review);
    const submitted = await requester.submit({});
    expect((submitted.json as { response_action?: string }).response_action).toBe("update");
    await e2e.settle();
    const row = await screeningRow(ref);
    expect(row.status).toBe("escalated");
    expect(row.escalation?.round).toBe(2);
    expect(escalationFor(ref)).toHaveLength(1);
    const message = escalationFor(ref)[0];
    expect(buttonsOf(message ?? {})).toHaveLength(5);
    expect((message?.replies ?? []).some((r) => /resubmitted/i.test(JSON.stringify(r)))).toBe(true);
  });

  it("a two-approver tier stays open after one approval and closes after a second, different approver", async () => {
    const ref = await completeScreening(e2e.person("UTWO"), high.answers);
    await e2e.settle();
    await decide(APPROVERS[0] ?? "", ref, "approve", "First approval.");
    let row = await screeningRow(ref);
    expect(row.status).toBe("escalated");
    expect(buttonsOf(escalationFor(ref)[0] ?? {})).toHaveLength(5);
    expect(JSON.stringify(escalationFor(ref)[0])).toMatch(/1 of 2/);
    const again = await decide(APPROVERS[0] ?? "", ref, "approve", "Same person again.");
    expect(again.refused).toContain(`${ref}: You have already approved this escalation; a different approver must give the next approval.`);
    const unchanged = await screeningRow(ref);
    expect(unchanged.escalation?.decisions).toHaveLength(1);
    expect(unchanged.escalation?.version).toBe(row.escalation?.version);
    expect(await refusalsOf(ref, APPROVERS[0] ?? "")).toEqual([{ escalationId: row.escalation?.id, outcome: "approve", code: "already_approved_by_you" }]);
    await decide(APPROVERS[1] ?? "", ref, "approve", "Second approval.");
    row = await screeningRow(ref);
    expect(row.status).toBe("approved");
    expect(row.escalation?.decisions.map((d) => d.deciderId)).toEqual([APPROVERS[0], APPROVERS[1]]);
    expect(buttonsOf(escalationFor(ref)[0] ?? {})).toEqual(["View answers"]);
  });

  it("refuses non-approvers and the requester in the modal their click opened, changing nothing", async () => {
    const ref = await completeScreening(e2e.person(APPROVERS[2] ?? ""), high.answers);
    await e2e.settle();
    const before = await screeningRow(ref);
    const outsider = await decide("UOUTSIDER", ref, "approve", "I approve myself");
    expect(outsider.refused).toMatch(/Only compliance approvers/);
    expect(outsider.refused).toContain(ref);
    const own = await decide(APPROVERS[2] ?? "", ref, "approve", "my own");
    expect(own.refused).toMatch(/cannot decide/);
    expect(own.refused).toContain(ref);
    const after = await screeningRow(ref);
    expect(after.status).toBe(before.status);
    expect(after.version).toBe(before.version);
    expect(after.escalation?.decisions).toHaveLength(0);
    expect(after.escalation?.version).toBe(before.escalation?.version);
    expect(await refusalsOf(ref, "UOUTSIDER")).toEqual([{ escalationId: before.escalation?.id, outcome: "approve", code: "not_approver" }]);
    expect(await refusalsOf(ref, APPROVERS[2] ?? "")).toEqual([{ escalationId: before.escalation?.id, outcome: "approve", code: "own_screening" }]);
  });

  it("a hostile answer reaches the compliance channel harmless", async () => {
    const hostile = "<!channel> <@U1> <https://evil.example|click> & <!subteam^S123>";
    const ref = await completeScreening(e2e.person("UHOSTILE"), { ...high.answers, end_user_name: hostile, item_description: hostile });
    await e2e.settle();
    const text = JSON.stringify(escalationFor(ref));
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<@U1>");
    expect(text).not.toContain("<https://evil.example|click>");
    expect(text).not.toContain("<!subteam^S123>");
    expect(text).toContain("&lt;!channel&gt;");
  });
});

describe("App Home", () => {
  it("shows a requester their screenings and an approver what waits for them", async () => {
    const ref = await completeScreening(e2e.person("UHOME"), high.answers);
    await e2e.settle();
    await e2e.person("UHOME").openHome();
    expect(JSON.stringify(e2e.api.homeOf("UHOME"))).toContain(ref);
    await e2e.person(APPROVERS[1] ?? "").openHome();
    expect(JSON.stringify(e2e.api.homeOf(APPROVERS[1] ?? ""))).toContain(ref);
  });
});
