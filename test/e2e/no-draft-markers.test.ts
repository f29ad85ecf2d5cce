// No draft marker ("[verify]", "[todo]", "[tbd]", any case) ever reaches a person: the bot's
// representative flows run end to end, and then everything they showed is scanned: every view
// (views.open / update / push / publish, and views in response_action bodies), every message
// (chat.postMessage / postEphemeral / update, and response_url posts) and every HTTP answer.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type Person } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

/** A marker an author leaves in a draft: "[verify]", "[ TODO ]", "[tbd]". */
const DRAFT_MARKER = /\[\s*(verify|todo|tbd)\s*\]/gi;

/** Web API methods whose arguments a person sees. */
const SHOWN = new Set(["views.open", "views.update", "views.push", "views.publish", "chat.postMessage", "chat.postEphemeral", "chat.update"]);

interface MarkerHit {
  /** where it was shown: a Web API method, "response_url" or "http reply" */
  where: string;
  marker: string;
  /** the text around it */
  context: string;
}

/** Every draft marker in `text`, with some text around each. */
function markersIn(where: string, text: string): MarkerHit[] {
  return [...text.matchAll(DRAFT_MARKER)].map((m) => ({
    where,
    marker: m[0],
    context: text.slice(Math.max(0, (m.index ?? 0) - 80), (m.index ?? 0) + m[0].length + 20),
  }));
}

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

describe("the marker scan itself", () => {
  it("finds markers in any case and spacing, also inside JSON, and nothing in clean text", () => {
    const found = markersIn("test", JSON.stringify({ text: "Step 1 [verify]; see [ TODO ] and [Tbd]" }));
    expect(found.map((h) => h.marker)).toEqual(["[verify]", "[ TODO ]", "[Tbd]"]);
    expect(markersIn("test", "verified [sic] todo list, to be done")).toEqual([]);
  });
});

function rationale(text: string) {
  return { [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: text } } };
}

async function decide(approverId: string, reference: string, outcome: keyof typeof ACTION.decide, text: string): Promise<Person> {
  const message = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m.blocks).includes(reference));
  const row = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference }, include: { escalation: true } });
  const approver = e2e.person(approverId);
  await approver.clickMessageButton(COMPLIANCE, message?.ts ?? "", ACTION.decide[outcome], row.escalation?.id ?? "");
  if (approver.view?.view.callback_id === CALLBACK.decision) await approver.submit(rationale(text));
  await e2e.settle();
  return approver;
}

describe("what people see", () => {
  it("carries no draft marker through a cleared screening and an escalated one decided after a conversation", async () => {
    // A low-risk screening, cleared; its status and the list.
    const low = e2e.person("UMARKLOW");
    const lowRef = await completeScreening(low, scenario("low_thermal_camera_private_factory").answers);
    await e2e.settle();
    await low.command(`status ${lowRef}`);
    await low.command("list");
    await low.command("help");

    // A high-risk screening: escalated, one approval, Request info, a reply, changed answers
    // resubmitted, then decided; status, list and Home on the way.
    const high = e2e.person("UMARKHIGH");
    const highRef = await completeScreening(high, scenario("high_lawful_interception_police_no_safeguards").answers);
    await e2e.settle();
    const row = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference: highRef } });
    await decide("UOUTSIDER", highRef, "approve", "not an approver"); // refused, ephemerally
    await decide(APPROVERS[0] ?? "", highRef, "approve", "Lawful basis checked.");
    await decide(APPROVERS[1] ?? "", highRef, "request_info", "Which units will operate it?");
    const dm = e2e.api.dms(high.userId).find((m) => JSON.stringify(m.blocks).includes("Which units"));
    expect(dm).toBeDefined();
    await high.clickMessageButton(dm?.channel ?? "", dm?.ts ?? "", ACTION.reply, row.id);
    await high.submit({ [BLOCK.reply]: { [ACTION.replyText]: { type: "plain_text_input", value: "The cyber unit only." } } });
    await high.clickMessageButton(dm?.channel ?? "", dm?.ts ?? "", ACTION.reopen, row.id);
    await high.submit({});
    await e2e.settle();
    await high.command(`status ${highRef}`);
    await high.command("list");
    await high.openHome();
    await e2e.person(APPROVERS[2] ?? "").openHome();
    await decide(APPROVERS[2] ?? "", highRef, "approve", "Round 2: units confirmed.");
    await decide(APPROVERS[0] ?? "", highRef, "approve", "Round 2: agreed.");
    await high.command(`status ${highRef}`);
    await e2e.person(APPROVERS[0] ?? "").command(`status ${highRef}`);
    await high.openHome();
    expect((await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference: highRef } })).status).toBe("approved");

    // Everything shown, scanned.
    const shownCalls = e2e.api.calls.filter((c) => SHOWN.has(c.method));
    expect(shownCalls.length).toBeGreaterThan(20);
    const hits = [
      ...shownCalls.flatMap((c) => markersIn(c.method, JSON.stringify(c.args))),
      ...e2e.api.responses.flatMap((r) => markersIn("response_url", JSON.stringify(r.body))),
      ...(e2e.replies ?? []).flatMap((r) => markersIn("http reply", r.text)),
    ];
    expect(e2e.replies?.length ?? 0).toBeGreaterThan(20);
    // One line per distinct place, so a failure names what to fix without repeating it per call.
    const distinct = [...new Map(hits.map((h) => [`${h.where} ${h.context}`, `${h.where}: …${h.context}…`])).values()];
    expect(distinct.slice(0, 25), `${hits.length} draft markers shown to people (first 25 distinct places)`).toEqual([]);
  });
});
