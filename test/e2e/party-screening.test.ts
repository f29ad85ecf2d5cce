// The bot screens the parties itself, end to end through the real HTTP app: SCREENING_LISTS
// names the synthetic CSL sample, the bot imports it at start, and every name the interview
// gives (end user, consignee, intermediaries) is screened. A potential match reaches
// compliance, never the requester as an accusation; the approver resolves it: a confirmed match
// is the restricted-party hard stop (approve only under authorisation), "Not the same party" is
// remembered and, with nothing else to decide, clears the screening.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase } from "../support/db.js";
import { ACTION, BLOCK, CALLBACK, uniqueActionId } from "../../src/slack/ids.js";
import type { StateValues } from "./support/fill.js";
import { APPROVERS, COMPLIANCE, startE2E, type E2E, type Person } from "./support/harness.js";
import { completeScreening, scenario } from "./support/scenarios.js";

const LIST = "test/fixtures/lists/csl-sample.csv";
const low = scenario("low_thermal_camera_private_factory");
const APPROVER = APPROVERS[0] ?? "";
const SECOND = APPROVERS[1] ?? "";

/** The low-risk factory deal, shipped through a distributor to a consignee with this name. */
function throughConsignee(consignee: string, country = "AE") {
  return {
    ...low.answers,
    intermediaries_involved: "yes",
    intermediary_roles: ["distributor"],
    intermediaries_names: "Nordic Secure AB",
    consignee_name: consignee,
    consignee_country: country,
    intermediary_history: "no",
    end_user_visibility: "yes",
  };
}

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E({ env: { SCREENING_LISTS: LIST } });
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

function escalation(ref: string) {
  const found = e2e.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(ref));
  if (!found) throw new Error(`no escalation message for ${ref}`);
  return found;
}
const text = (m: unknown) => JSON.stringify(m);
async function row(ref: string) {
  return e2e.db.prisma.screening.findUniqueOrThrow({ where: { reference: ref }, include: { escalation: { include: { decisions: true } } } });
}
function buttons(message: { blocks?: unknown[] }): Array<{ text: string; actionId: string; value: string }> {
  const out: Array<{ text: string; actionId: string; value: string }> = [];
  for (const b of message.blocks ?? []) {
    const block = b as { type?: string; elements?: Array<{ type?: string; action_id?: string; value?: string; text?: { text?: string } }> };
    if (block.type === "actions") for (const el of block.elements ?? []) if (el.type === "button") out.push({ text: String(el.text?.text), actionId: String(el.action_id), value: String(el.value) });
  }
  return out;
}
const reason = (value: string): StateValues => ({ [BLOCK.matchReason]: { [ACTION.matchReason]: { type: "plain_text_input", value } } });

async function resolve(person: Person, ref: string, outcome: "confirmed" | "not_same_party", why: string) {
  const button = buttons(escalation(ref)).find((b) => b.actionId === uniqueActionId(ACTION.resolveMatch[outcome], "0"));
  if (!button) throw new Error(`no ${outcome} button on ${ref}`);
  const click = await person.clickMessageButton(COMPLIANCE, escalation(ref).ts, button.actionId, button.value);
  expect(click.status).toBe(200);
  return person;
}

describe("a consignee on a restricted-party list", () => {
  let ref = "";

  it("escalates a deal that is otherwise low risk, shows compliance the match, and tells the requester only that the parties will be reviewed", async () => {
    const requester = e2e.person("UPARTY1");
    // a transliterated, suffix-stripped variant of "Zarnitsa Global Security Technologies FZ-LLC"
    ref = await completeScreening(requester, throughConsignee("Zarnitsa Global Security Technologies"));
    await e2e.settle();
    const r = await row(ref);
    expect(r.status).toBe("escalated");
    expect(r.tier).toBe("medium");
    // screened already when the pages naming parties were saved, not only at submission
    const screenedAtSave = await e2e.db.prisma.auditEvent.findMany({ where: { screeningId: r.id, type: "parties.screened" }, orderBy: { seq: "asc" } });
    expect(screenedAtSave.map((e) => (e.data as { potentialMatches?: number }).potentialMatches)).toEqual([0, 1]);

    const message = text(escalation(ref));
    expect(message).toContain("Restricted-party screening");
    expect(message).toContain("Zarnitsa Global Security Technologies FZ-LLC");
    expect(message).toContain("Specially Designated Nationals (SDN)");
    expect(message).toContain("RUSSIA-EO14024");
    expect(message).toMatch(/score [01]\.\d\d/);
    expect(message).toContain("https://lists.example.org/csl/sdn/about|list entry");
    expect(buttons(escalation(ref)).map((b) => b.text)).toEqual(expect.arrayContaining(["Confirmed match", "Not the same party"]));

    // the requester: no list, no listed name, no score
    const result = text(requester.view?.view);
    const dm = text(e2e.api.dms("UPARTY1"));
    for (const seen of [result, dm]) {
      expect(seen).toContain("Compliance will review the parties named in this deal");
      expect(seen).not.toContain("Specially Designated");
      expect(seen).not.toContain("FZ-LLC");
    }
  });

  it("the requester cannot resolve it; an approver confirms it with a reason, and the screening gets the restricted-party hard stop", async () => {
    const outsider = e2e.person("UPARTY1");
    await resolve(outsider, ref, "confirmed", "mine");
    expect(outsider.view).toBeFalsy();
    expect(text(e2e.api.callsTo("chat.postEphemeral").at(-1)?.args)).toContain("Only compliance approvers can resolve");

    const approver = await resolve(e2e.person(APPROVER), ref, "confirmed", "");
    expect(approver.requireView().view.callback_id).toBe(CALLBACK.matchResolution);
    const empty = await approver.submit(reason("   "));
    expect((empty.json as { errors?: Record<string, string> }).errors?.[BLOCK.matchReason]).toBeTruthy();
    expect(await e2e.db.prisma.partyMatchResolution.count()).toBe(0);

    await approver.submit(reason("Same name and Dubai address as the SDN entry; registration number matches."));
    await e2e.settle();
    const r = await row(ref);
    expect(r.hardStop).toBe(true);
    expect(r.tier).toBe("prohibited");
    expect(r.escalation?.requiredApprovals).toBe(2);
    const resolution = await e2e.db.prisma.partyMatchResolution.findFirstOrThrow({ where: { screeningId: r.id } });
    expect(resolution).toMatchObject({ outcome: "confirmed", decidedBy: APPROVER, entryId: "ex-sdn-0002" });
    const audit = await e2e.db.prisma.auditEvent.findFirst({ where: { screeningId: r.id, type: "party_match.resolved" } });
    expect(audit?.actorId).toBe(APPROVER);

    const message = escalation(ref);
    expect(text(message)).toContain("Confirmed match");
    const labels = buttons(message).map((b) => b.text);
    expect(labels).toContain("Approve under authorisation");
    expect(labels).not.toContain("Approve");
    expect(labels).not.toContain("Confirmed match");
    const thread = text(message.replies ?? []);
    expect(thread).toContain("confirmed a restricted-party match");
  });

  it("Approve under authorisation without a licence reference is a field error; with one it is recorded and shown", async () => {
    const r = await row(ref);
    const approver = e2e.person(SECOND);
    await approver.clickMessageButton(COMPLIANCE, escalation(ref).ts, ACTION.decide.approve_under_authorisation, r.escalation?.id ?? "");
    expect(approver.requireView().view.callback_id).toBe(CALLBACK.decision);
    const state = (reference: string | null): StateValues => ({
      [BLOCK.authorisationReference]: { [ACTION.authorisationReference]: { type: "plain_text_input", value: reference } },
      [BLOCK.authorisationIssuer]: { [ACTION.authorisationIssuer]: { type: "static_select", selected_option: { value: "ofac", text: { type: "plain_text", text: "OFAC" } } } },
      [BLOCK.authorisationIssuerName]: { [ACTION.authorisationIssuerName]: { type: "plain_text_input", value: null } },
      [BLOCK.authorisationIssuedOn]: { [ACTION.authorisationIssuedOn]: { type: "datepicker", selected_date: "2026-11-02" } },
      [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Specific licence covers this consignee." } },
    });
    const refused = await approver.submit(state(null));
    expect((refused.json as { errors?: Record<string, string> }).errors?.[BLOCK.authorisationReference]).toBeTruthy();
    expect(await e2e.db.prisma.decision.count({ where: { screeningId: r.id } })).toBe(0);

    await approver.submit(state("SY-2026-123456"));
    await e2e.settle();
    const decision = await e2e.db.prisma.decision.findFirstOrThrow({ where: { screeningId: r.id } });
    expect(decision.outcome).toBe("approve_under_authorisation");
    expect(text(escalation(ref))).toContain("SY-2026-123456");
  });
});

describe("a near miss on a low-risk deal", () => {
  it("escalates for review, and 'Not the same party' clears it and is not raised again for the same name", async () => {
    const requester = e2e.person("UPARTY2");
    // one letter off "Marvessa Security Solutions" (Entity List), in another country
    const answers = { ...low.answers, end_user_name: "Marvessa Securty Solutions" };
    const ref = await completeScreening(requester, answers);
    await e2e.settle();
    expect((await row(ref)).status).toBe("escalated");
    expect(text(escalation(ref))).toContain("Marvessa Security Solutions");

    const approver = await resolve(e2e.person(APPROVER), ref, "not_same_party", "");
    await approver.submit(reason("Our customer is a chemical plant in Germany; the listed firm is a security integrator elsewhere."));

    await e2e.settle();
    const r = await row(ref);
    expect(r.status).toBe("cleared");
    expect(r.escalation?.status).toBe("closed");
    expect(r.tier).toBe("low");
    const message = text(escalation(ref));
    expect(message).toContain("Not the same party");
    expect(message).toContain("Cleared");
    expect(buttons(escalation(ref)).map((b) => b.text)).toEqual(["View answers"]);
    expect(text(e2e.api.dms("UPARTY2"))).toMatch(/is cleared/);

    // the same name again: remembered as another party, so nothing to review
    const again = await completeScreening(e2e.person("UPARTY3"), answers);
    await e2e.settle();
    const second = await row(again);
    expect(second.status).toBe("cleared");
    expect(e2e.api.messages(COMPLIANCE).some((m) => text(m).includes(again))).toBe(false);
  });
});

describe("without lists", () => {
  it("a screening escalated without SCREENING_LISTS says the parties were not screened", async () => {
    const plain = await startE2E();
    try {
      const ref = await completeScreening(plain.person("UPARTY4"), scenario("medium_drone_border_authority").answers);
      await plain.settle();
      const message = plain.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(ref));
      expect(JSON.stringify(message)).toContain("Parties not screened against restricted-party lists");
    } finally {
      await plain.close();
    }
  });
});

describe("a new list set", () => {
  it("screens open and approved screenings again and posts the new potential matches to the compliance channel", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dd-lists-"));
    const db = await createTestDatabase();
    try {
      // list set A: the sample without the Kestrava entry; list set B: the whole sample
      const sample = JSON.parse(await readFile("test/fixtures/lists/csl-sample.json", "utf8")) as { results: Array<{ id: string }> };
      const without = join(dir, "csl-a.json");
      await writeFile(without, JSON.stringify({ ...sample, results: sample.results.filter((e) => e.id !== "ex-el-0011") }));
      const answers = { ...scenario("medium_drone_border_authority").answers, end_user_name: "Kestrava Aerospace Research Institute" };

      const first = await startE2E({ database: db, env: { SCREENING_LISTS: without } });
      let openRef = "";
      let approvedRef = "";
      try {
        openRef = await completeScreening(first.person("URESCREEN1"), answers);
        approvedRef = await completeScreening(first.person("URESCREEN2"), answers);
        await first.settle();
        const message = first.api.messages(COMPLIANCE).find((m) => JSON.stringify(m).includes(approvedRef));
        const approvedRow = await db.prisma.screening.findUniqueOrThrow({ where: { reference: approvedRef }, include: { escalation: true } });
        const approver = first.person(APPROVER);
        await approver.clickMessageButton(COMPLIANCE, message?.ts ?? "", ACTION.decide.approve, approvedRow.escalation?.id ?? "");
        await approver.submit({ [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: "Border drones, standard clauses." } } });
        await first.settle();
        expect(JSON.stringify(first.api.messages(COMPLIANCE))).not.toContain("Kestrava Aerospace Research Institute ↔");
      } finally {
        await first.close();
      }
      expect((await db.prisma.screening.findUniqueOrThrow({ where: { reference: approvedRef } })).status).toBe("approved");

      // restart with list set B: the bot imports it and screens both again
      const second = await startE2E({ database: db, env: { SCREENING_LISTS: "test/fixtures/lists/csl-sample.json" } });
      try {
        await second.settle();
        const posted = second.api.calls.filter((c) => c.method === "chat.postMessage").map((c) => JSON.stringify(c.args));
        const openAlert = posted.find((p) => p.includes(openRef) && p.includes("New restricted-party list set"));
        expect(openAlert).toContain("Kestrava Aerospace Research Institute");
        expect(openAlert).toContain("thread_ts");
        const approvedAlert = posted.find((p) => p.includes(approvedRef) && p.includes("already approved"));
        expect(approvedAlert).toContain("Kestrava Aerospace Research Institute");
        // the open escalation's message now shows the match with its buttons
        const updated = second.api.calls.filter((c) => c.method === "chat.update").map((c) => JSON.stringify(c.args)).find((u) => u.includes(openRef));
        expect(updated).toContain("Not the same party");
        const audit = await db.prisma.auditEvent.count({ where: { type: "parties.rescreened" } });
        expect(audit).toBe(2);
      } finally {
        await second.close();
      }
    } finally {
      await db.close();
      await rm(dir, { recursive: true, force: true });
    }
  }, 90_000);
});
