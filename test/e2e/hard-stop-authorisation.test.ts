// A hard stop ("prohibited unless exceptionally approved") is approved only under a licence or
// authorisation, by the hard-stop approvers, two of them for the hard-stop tier: end to end
// through the real HTTP app with the shipped rules, where the scenario's destination is under a
// comprehensive embargo.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type Person } from "./support/harness.js";
import type { StateValues } from "./support/fill.js";
import { clickDecision, refusedWith } from "./support/decisions.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const embargo = scenario("hard_stop_embargo_cuba_hotel_cameras");
/** A hard-stop approver who is also an approver, and one who is only a hard-stop approver. */
const HARD_STOP_APPROVER = APPROVERS[0] ?? "";
const HARD_STOP_ONLY = "UHARDSTOP9";
/** An approver, but not for hard stops. */
const ORDINARY_APPROVER = APPROVERS[1] ?? "";

const DAY = 86_400_000;
const isoDate = (offsetDays: number) => new Date(Date.now() + offsetDays * DAY).toISOString().slice(0, 10);

interface Button {
  text: string;
  actionId: string;
}

function buttonsIn(message: { blocks?: unknown[] }): Button[] {
  const out: Button[] = [];
  for (const b of message.blocks ?? []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; text?: { text?: string } }> };
    if (block.type !== "actions") continue;
    for (const el of block.elements ?? []) if (el.type === "button") out.push({ text: String(el.text?.text), actionId: String(el.action_id) });
  }
  return out;
}

/** The decision modal's state values for an approval under authorisation; a field not given is left empty, as in an unfilled form. */
function authorisedState(fields: { reference?: string; issuer?: string; issuerName?: string; issuedOn?: string; rationale?: string }): StateValues {
  const values: StateValues = {};
  if (fields.reference !== undefined) values[BLOCK.authorisationReference] = { [ACTION.authorisationReference]: { type: "plain_text_input", value: fields.reference } };
  values[BLOCK.authorisationIssuer] = {
    [ACTION.authorisationIssuer]: { type: "static_select", selected_option: fields.issuer === undefined ? null : { value: fields.issuer, text: { type: "plain_text", text: fields.issuer } } },
  };
  values[BLOCK.authorisationIssuerName] = { [ACTION.authorisationIssuerName]: { type: "plain_text_input", value: fields.issuerName ?? null } };
  values[BLOCK.authorisationIssuedOn] = { [ACTION.authorisationIssuedOn]: { type: "datepicker", selected_date: fields.issuedOn ?? null } };
  values[BLOCK.rationale] = { [ACTION.rationale]: { type: "plain_text_input", value: fields.rationale ?? null } };
  return values;
}

function errorsOf(reply: { json?: unknown }): Record<string, string> {
  const body = reply.json as { response_action?: string; errors?: Record<string, string> } | undefined;
  return body?.response_action === "errors" ? (body.errors ?? {}) : {};
}

describe("with hard-stop approvers named", () => {
  let e2e: E2E;
  let ref: string;
  beforeAll(async () => {
    e2e = await startE2E({ env: { HARD_STOP_APPROVER_USER_IDS: `${HARD_STOP_APPROVER},${HARD_STOP_ONLY}` } });
    ref = await completeScreening(e2e.person("UHSREQUESTER"), embargo.answers);
    await e2e.settle();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  const message = () => {
    const found = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(ref));
    if (!found) throw new Error(`no escalation message for ${ref}`);
    return found;
  };
  const row = () => e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference: ref }, include: { escalation: { include: { decisions: { orderBy: { createdAt: "asc" } } } } } });
  const escalationId = async () => (await row()).escalation?.id ?? "";
  const refusals = async (actorId: string) =>
    (await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: (await row()).id, type: "decision.refused", actorId }, orderBy: { seq: "asc" } })).map((e) => e.data);
  /** Opens the Approve under authorisation form; the click must not be refused. */
  const open = async (person: Person) => {
    const click = await clickDecision(e2e, person, message().ts, "approve_under_authorisation", await escalationId());
    expect(click.kind).toBe("form");
    return person;
  };

  it("is a hard stop under the shipped rules, escalated for two approvals", async () => {
    const screening = await row();
    expect(screening.hardStop).toBe(true);
    expect(screening.status).toBe("escalated");
    expect(screening.escalation?.requiredApprovals).toBe(2);
  });

  it("offers Approve under authorisation instead of Approve and Approve with conditions", () => {
    const buttons = buttonsIn(message());
    expect(buttons.map((b) => b.text)).toEqual(["Approve under authorisation", "Reject", "Request info", "View answers"]);
    expect(buttons.map((b) => b.actionId)).not.toContain(ACTION.decide.approve);
    expect(buttons.map((b) => b.actionId)).not.toContain(ACTION.decide.approve_with_conditions);
  });

  it("refuses an approver who is not a hard-stop approver, privately, naming who can decide; nothing changes", async () => {
    const before = await row();
    // privately: in the modal opened with the clicker's own trigger (clickDecision checks it), nothing in the channel
    const said = refusedWith(await clickDecision(e2e, e2e.person(ORDINARY_APPROVER), message().ts, "approve_under_authorisation", await escalationId()));
    expect(said).toMatch(/Only the hard-stop approvers can approve a hard stop under an authorisation/);
    // named as plain text: a mention would show raw in a notice
    expect(said).toContain(`To approve it, ask @${HARD_STOP_APPROVER} or @${HARD_STOP_ONLY}. Nothing was changed.`);
    expect(said).toContain(ref);
    const after = await row();
    expect(after.escalation?.decisions).toHaveLength(0);
    expect(after.escalation?.version).toBe(before.escalation?.version);
    expect(after.version).toBe(before.version);
    expect(await refusals(ORDINARY_APPROVER)).toEqual([{ escalationId: before.escalation?.id, outcome: "approve_under_authorisation", code: "not_hard_stop_approver" }]);
  });

  it("refuses a forged plain Approve, even from a hard-stop approver, and audits it", async () => {
    const before = await row();
    const said = refusedWith(await clickDecision(e2e, e2e.person(HARD_STOP_APPROVER), message().ts, "approve", await escalationId()));
    expect(said).toMatch(/can be approved only under a licence or authorisation, with Approve under authorisation/);
    expect(said).toContain(ref);
    const after = await row();
    expect(after.escalation?.decisions).toHaveLength(0);
    expect(after.escalation?.version).toBe(before.escalation?.version);
    expect(await refusals(HARD_STOP_APPROVER)).toEqual([{ escalationId: await escalationId(), outcome: "approve", code: "authorisation_required" }]);
  });

  it("refuses a decision modal whose outcome was forged to a plain Approve, recording nothing", async () => {
    const person = await open(e2e.person(HARD_STOP_APPROVER));
    const forged = JSON.stringify({ e: await escalationId(), o: "approve" });
    const reply = await person.submit(authorisedState({ rationale: "Forged." }), { private_metadata: forged });
    expect(errorsOf(reply)[BLOCK.rationale]).toMatch(/only under a licence or authorisation/);
    expect((await row()).escalation?.decisions).toHaveLength(0);
    expect((await refusals(HARD_STOP_APPROVER)).at(-1)).toEqual({ escalationId: await escalationId(), outcome: "approve", code: "authorisation_required" });
    await person.closeView();
  });

  it("asks for the licence or authorisation, and refuses the form without its number, or dated in the future, recording nothing", async () => {
    const person = await open(e2e.person(HARD_STOP_APPROVER));
    const view = person.requireView().view;
    expect(view.callback_id).toBe(CALLBACK.decision);
    expect(view.submit?.text).toBe("Approve");
    const blockIds = (view.blocks ?? []).map((b) => b.block_id);
    for (const id of [BLOCK.authorisationReference, BLOCK.authorisationIssuer, BLOCK.authorisationIssuerName, BLOCK.authorisationIssuedOn, BLOCK.rationale]) expect(blockIds).toContain(id);

    const noNumber = await person.submit(authorisedState({ issuer: "bis", issuedOn: isoDate(-30), rationale: "Licensed by BIS." }));
    expect(Object.keys(errorsOf(noNumber))).toEqual([BLOCK.authorisationReference]);
    expect(errorsOf(noNumber)[BLOCK.authorisationReference]).toMatch(/^Enter the licence or authorisation number as it appears on the document/);

    const future = await person.submit(authorisedState({ reference: "D1234567", issuer: "bis", issuedOn: isoDate(3), rationale: "Licensed by BIS." }));
    expect(Object.keys(errorsOf(future))).toEqual([BLOCK.authorisationIssuedOn]);
    expect(errorsOf(future)[BLOCK.authorisationIssuedOn]).toMatch(/in the future/);

    const otherUnnamed = await person.submit(authorisedState({ reference: "D1234567", issuer: "other", issuedOn: isoDate(-30), rationale: "Licensed." }));
    expect(Object.keys(errorsOf(otherUnnamed))).toEqual([BLOCK.authorisationIssuerName]);

    expect((await row()).escalation?.decisions).toHaveLength(0);
    expect(await e2e.db.prisma.auditEvent.count({ where: { screeningId: (await row()).id, type: "decision.recorded" } })).toBe(0);
    expect(person.view).not.toBeNull();
  });

  it("records the first approval with its authorisation and shows it on the message and in the requester's DM", async () => {
    const person = e2e.person(HARD_STOP_APPROVER);
    if (!person.view) await open(person);
    const issuedOn = isoDate(-30);
    const reply = await person.submit(authorisedState({ reference: "D1234567 <!channel>", issuer: "bis", issuedOn, rationale: "BIS licence covers these cameras for this end user." }));
    expect(reply.json).toEqual({ response_action: "clear" });
    await e2e.settle();

    const decisions = (await row()).escalation?.decisions ?? [];
    expect(decisions).toHaveLength(1);
    expect(decisions[0]).toMatchObject({
      deciderId: HARD_STOP_APPROVER,
      outcome: "approve_under_authorisation",
      authorisationReference: "D1234567 <!channel>",
      authorisationIssuer: "bis",
      authorisationIssuerName: null,
    });
    expect(decisions[0]?.authorisationIssuedOn?.toISOString().slice(0, 10)).toBe(issuedOn);
    expect((await row()).status).toBe("escalated");

    const shown = JSON.stringify(message());
    expect(shown).toContain(`*Authorisation:* D1234567 &lt;!channel&gt; · BIS (Commerce) · issued ${issuedOn}`);
    expect(shown).toContain("*Approvals:* 1 of 2");
    expect(shown).not.toContain("<!channel>");
    expect(buttonsIn(message()).map((b) => b.text)).toEqual(["Approve under authorisation", "Reject", "Request info", "View answers"]);

    const dm = e2e.api.dms("UHSREQUESTER").find((m) => JSON.stringify(m).includes("approval 1 of 2"));
    expect(JSON.stringify(dm)).toContain(`D1234567 &lt;!channel&gt; · BIS (Commerce) · issued ${issuedOn}`);

    const recorded = await e2e.db.prisma.auditEvent.findFirstOrThrow({ where: { screeningId: (await row()).id, type: "decision.recorded" } });
    expect(recorded.data).toMatchObject({
      outcome: "approve_under_authorisation",
      approvals: 1,
      requiredApprovals: 2,
      final: false,
      authorisation: { reference: "D1234567 <!channel>", issuer: "bis", issuerName: null, issuedOn },
    });
  });

  it("closes with a second approval under authorisation by a different hard-stop approver (the same licence may be cited)", async () => {
    const person = await open(e2e.person(HARD_STOP_ONLY));
    const reply = await person.submit(
      authorisedState({ reference: "D1234567", issuer: "other", issuerName: "US Department of Commerce, Office of Exporter Services", issuedOn: isoDate(-30), rationale: "Same licence; checked its scope." }),
    );
    expect(reply.json).toEqual({ response_action: "clear" });
    await e2e.settle();

    const after = await row();
    expect(after.status).toBe("approved");
    expect(after.escalation?.status).toBe("approved");
    expect(after.escalation?.decisions.map((d) => [d.deciderId, d.outcome, d.authorisationReference])).toEqual([
      [HARD_STOP_APPROVER, "approve_under_authorisation", "D1234567 <!channel>"],
      [HARD_STOP_ONLY, "approve_under_authorisation", "D1234567"],
    ]);
    const shown = JSON.stringify(message());
    expect(shown).toContain(`Approved under authorisation by <@${HARD_STOP_APPROVER}> and <@${HARD_STOP_ONLY}>`);
    expect(buttonsIn(message()).map((b) => b.text)).toEqual(["View answers"]);
    // "*DD-… is approved*": the final decision's DM, not "do not proceed until it is approved"
    const dm = e2e.api.dms("UHSREQUESTER").find((m) => JSON.stringify(m).includes("is approved*"));
    expect(JSON.stringify(dm)).toContain("You may proceed only under the licence or authorisation below.");
    expect(JSON.stringify(dm)).toContain("Other government authority: US Department of Commerce, Office of Exporter Services");
  });

  it("shows the authorisations in View answers and /screening status", async () => {
    const approver = e2e.person(ORDINARY_APPROVER);
    await approver.clickMessageButton(COMPLIANCE, message().ts, ACTION.viewAnswers, (await row()).id);
    const view = JSON.stringify(approver.requireView().view);
    expect(view).toContain("Licences and authorisations");
    expect(view).toContain("D1234567 &lt;!channel&gt; · BIS (Commerce)");
    const status = await e2e.person("UHSREQUESTER").command(`status ${ref}`);
    expect(JSON.stringify(status.json)).toContain("D1234567 · Other government authority");
  });
});

describe("with no hard-stop approvers named", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startE2E();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("the approvers approve a hard stop under authorisation", async () => {
    const ref = await completeScreening(e2e.person("UHSREQ2"), embargo.answers);
    await e2e.settle();
    const message = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(ref));
    const screening = await e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference: ref }, include: { escalation: true } });
    const approver = e2e.person(ORDINARY_APPROVER);
    await approver.clickMessageButton(COMPLIANCE, message?.ts ?? "", ACTION.decide.approve_under_authorisation, screening.escalation?.id ?? "");
    const reply = await approver.submit(authorisedState({ reference: "OFAC-CU-2026-17", issuer: "ofac", issuedOn: isoDate(-1), rationale: "OFAC specific licence." }));
    expect(reply.json).toEqual({ response_action: "clear" });
    const decisions = await e2e.db.prisma.decision.findMany({ where: { screeningId: screening.id } });
    expect(decisions.map((d) => [d.deciderId, d.outcome, d.authorisationReference, d.authorisationIssuer])).toEqual([
      [ORDINARY_APPROVER, "approve_under_authorisation", "OFAC-CU-2026-17", "ofac"],
    ]);
  });
});
