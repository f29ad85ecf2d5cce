// Point 6, authorization on every request: a requester may only view or change their own
// screenings. private_metadata, button values and option values come from Slack's client and
// are untrusted: a forged screening id, an option not in the rules, a decision by someone who
// may not decide or on an escalation already decided are refused, change nothing, and leave an
// audit event saying who tried what. Driven through the real HTTP app with signed requests.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { blockActionsBody } from "../../src/sandbox/slack-requests.js";
import type { E2E, Person } from "../e2e/support/harness.js";
import { answerAllPages } from "../e2e/support/scenarios.js";
import { ackOf, escalationMessage, high, low, medium, openDecision, rationaleState, sendSubmission, submitScreening } from "./support/flows.js";
import { APPROVERS, COMPLIANCE, printFigures, startSingle } from "./support/instances.js";
import { fillState } from "../e2e/support/fill.js";

let e2e: E2E;
const figures = { forgedRequests: 0, refused: 0, audited: 0, changesMade: 0 };

beforeAll(async () => {
  e2e = await startSingle();
}, 60_000);
afterAll(async () => {
  printFigures("authorization", figures);
  await e2e?.close();
});

const FOREIGN_UUID = "7d0c3f3e-1111-4222-8333-944455556666";

/** Everything that could change, for one screening. */
async function state(screeningId: string) {
  const p = e2e.db.prisma;
  const [s, answers, decisions] = await Promise.all([
    p.screening.findUniqueOrThrow({ where: { id: screeningId } }),
    p.answer.count({ where: { screeningId } }),
    p.decision.count({ where: { screeningId } }),
  ]);
  return { status: s.status, version: s.version, currentPage: s.currentPage, answers, decisions };
}

/** Runs a forged request; proves it changed nothing of `screeningId` and left one refusal event by `actor`. */
async function forged(actor: string, screeningId: string | null, send: () => Promise<unknown>, type: RegExp = /refused/): Promise<Array<Record<string, unknown>>> {
  figures.forgedRequests++;
  const before = screeningId ? await state(screeningId) : null;
  const seqBefore = (await e2e.db.prisma.auditEvent.findFirst({ orderBy: { seq: "desc" } }))?.seq ?? 0n;
  await send();
  if (screeningId) {
    const after = await state(screeningId);
    if (JSON.stringify(after) !== JSON.stringify(before)) figures.changesMade++;
    expect(after).toEqual(before);
  }
  const events = await e2e.db.prisma.auditEvent.findMany({ where: { seq: { gt: seqBefore } }, orderBy: { seq: "asc" } });
  const refusals = events.filter((e) => type.test(e.type) && e.actorId === actor);
  expect(refusals.map((e) => e.type)).toHaveLength(1);
  expect(events.filter((e) => !type.test(e.type))).toEqual([]);
  figures.refused++;
  figures.audited += refusals.length;
  return refusals.map((e) => ({ type: e.type, screeningId: e.screeningId, ...(e.data as Record<string, unknown>) }));
}

let victim: Person;
let victimScreeningId: string;
let victimPageView: { id: string; private_metadata: string };

describe("another requester's screening", () => {
  beforeAll(async () => {
    victim = e2e.person("UVICTIM");
    await victim.command("new");
    await victim.submitPage(low.answers);
    const view = victim.requireView();
    victimPageView = { id: view.id, private_metadata: view.view.private_metadata ?? "" };
    victimScreeningId = (await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UVICTIM" } })).id;
  });

  it("a page submitted with the victim's screening id in private_metadata is refused, saves nothing and is audited", async () => {
    const attacker = e2e.person("UATTACKER");
    await attacker.command("new");
    const input = attacker.submission(fillState(attacker.requireView().view, low.answers), { private_metadata: victimPageView.private_metadata });
    const [event] = await forged("UATTACKER", victimScreeningId, async () => {
      const reply = await sendSubmission(e2e, input);
      expect(Object.values(ackOf(reply).errors ?? {}).join(" ")).toMatch(/belongs to someone else/);
    });
    expect(event).toMatchObject({ type: "access.refused", screeningId: victimScreeningId, reason: "not_requester" });
  });

  it("the review submitted with the victim's id cannot submit it", async () => {
    const attacker = e2e.person("UATTACKER2");
    await attacker.command("new");
    await answerAllPages(attacker, low.answers);
    const input = attacker.submission({}, { private_metadata: JSON.stringify({ s: victimScreeningId }) });
    await forged("UATTACKER2", victimScreeningId, async () => {
      const reply = await sendSubmission(e2e, input);
      expect(JSON.stringify(ackOf(reply).view)).toMatch(/belongs to someone else/);
    });
  });

  it("Back / Edit buttons in a view carrying the victim's id show nothing of it", async () => {
    const attacker = e2e.person("UATTACKER3");
    await attacker.command("new");
    const view = attacker.requireView();
    const since = e2e.api.calls.length;
    await forged("UATTACKER3", victimScreeningId, () =>
      e2e.sender.blockActions({
        user: "UATTACKER3",
        actions: [{ action_id: ACTION.back, block_id: BLOCK.pageNav, value: "end_user", type: "button" }],
        container: "view",
        view: { ...(e2e.api.view(view.id) ?? {}), id: view.id, private_metadata: victimPageView.private_metadata },
      }),
    );
    const shown = JSON.stringify(e2e.api.calls.slice(since).filter((c) => c.method === "views.update").map((c) => c.args));
    expect(shown).toMatch(/belongs to someone else/);
    expect(shown).not.toContain(String(low.answers.item_description));
  });

  it("the Home tab's Continue and the DM's Edit answers buttons, carrying the victim's id, are refused", async () => {
    for (const [user, actionId] of [
      ["UATTACKER4", ACTION.resume],
      ["UATTACKER5", ACTION.reopen],
    ] as const) {
      const since = e2e.api.calls.length;
      await forged(user, victimScreeningId, () =>
        e2e.sender.blockActions({
          user,
          actions: [{ action_id: `${actionId}:${victimScreeningId}`, block_id: "home", value: victimScreeningId, type: "button" }],
          container: "message",
          channel: "D0ATTACKER",
          message: { ts: "1767225600.000100" },
          responseUrl: e2e.api.responseUrl(),
        }),
      );
      // the modal opens as a placeholder at once, then shows what the bot answered
      const opened = JSON.stringify(e2e.api.calls.slice(since).filter((c) => c.method === "views.open" || c.method === "views.update").map((c) => c.args));
      expect(opened).toMatch(/belongs to someone else/);
      expect(opened).not.toContain(String(low.answers.item_description));
    }
  });

  it("closing a modal that carries the victim's id does not move their screening", async () => {
    await forged("UATTACKER6", victimScreeningId, () =>
      e2e.sender.viewClosed({ user: "UATTACKER6", view: { ...(e2e.api.view(victimPageView.id) ?? {}), id: victimPageView.id } }),
    );
  });

  it("/screening status of someone else's reference reads exactly like an unknown one, and is audited", async () => {
    const ref = (await e2e.db.prisma.screening.findUniqueOrThrow({ where: { id: victimScreeningId } })).reference;
    const attacker = e2e.person("UPEEK");
    let peek = "";
    await forged("UPEEK", victimScreeningId, async () => {
      peek = attacker.lastEphemeralText(await attacker.command(`status ${ref}`));
    });
    const unknown = attacker.lastEphemeralText(await attacker.command("status DD-2999-9999"));
    expect(peek.replace(ref, "REF")).toBe(unknown.replace("DD-2999-9999", "REF"));
    expect(attacker.lastEphemeralText(await attacker.command("list"))).not.toContain(ref);
  });
});

describe("forged ids", () => {
  it("a well-formed screening id that does not exist is refused and audited", async () => {
    const attacker = e2e.person("UFORGEID");
    await attacker.command("new");
    const input = attacker.submission(fillState(attacker.requireView().view, low.answers), { private_metadata: JSON.stringify({ s: FOREIGN_UUID, p: "transaction" }) });
    const [event] = await forged("UFORGEID", null, async () => {
      const reply = await sendSubmission(e2e, input);
      expect(Object.values(ackOf(reply).errors ?? {}).join(" ")).toMatch(/does not exist/);
    });
    expect(event).toMatchObject({ type: "access.refused", reason: "unknown_screening" });
  });

  it("private_metadata that is not ours at all (not JSON, an injection, a reference instead of an id) is refused and audited, never stored", async () => {
    const attacker = e2e.person("UFORGEMETA");
    await attacker.command("new");
    for (const metadata of ["not json", `{"s":"'; DROP TABLE screenings; --","p":"transaction"}`, `{"s":"DD-2026-0001","p":"transaction"}`, "x".repeat(2999)]) {
      const input = attacker.submission(fillState(attacker.requireView().view, low.answers), { private_metadata: metadata });
      const [event] = await forged("UFORGEMETA", null, async () => {
        const reply = await sendSubmission(e2e, input);
        expect(JSON.stringify(ackOf(reply).view)).toMatch(/could not be read/);
      });
      expect(JSON.stringify(event)).not.toContain("DROP TABLE");
      expect(JSON.stringify(event)).not.toContain("xxxx");
    }
    // the same from a Back button inside such a view
    const view = attacker.requireView();
    const [event] = await forged("UFORGEMETA", null, () =>
      e2e.sender.blockActions({
        user: "UFORGEMETA",
        actions: [{ action_id: ACTION.back, block_id: BLOCK.pageNav, value: "transaction", type: "button" }],
        container: "view",
        view: { ...(e2e.api.view(view.id) ?? {}), id: view.id, private_metadata: "<script>" },
      }),
    );
    expect(event).toMatchObject({ type: "access.refused", reason: "unreadable_form", form: ACTION.back });
  });
});

describe("options that are not in the rules", () => {
  it.each([
    ["a single choice", { item_category: "orbital_laser" }, 0],
    ["a country", { destination: "XX" }, 0],
    // the first yes/no question is on the second page
    ["a yes/no", { intermediaries_involved: "maybe" }, 1],
  ])("%s outside the options is a field error, saves nothing of the page, and is audited", async (_what, forgedAnswer, pagesBefore) => {
    const attacker = e2e.person(`UFORGEOPT${Object.keys(forgedAnswer)[0]!.toUpperCase()}`);
    await attacker.command("new");
    for (let i = 0; i < pagesBefore; i++) expect(ackOf(await attacker.submitPage(low.answers)).response_action).toBe("update");
    const screeningId = (await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: attacker.userId } })).id;
    const [event] = await forged(attacker.userId, screeningId, async () => {
      const reply = await attacker.submitPage({ ...low.answers, ...forgedAnswer });
      const ack = ackOf(reply);
      expect(ack.response_action).toBe("errors");
      expect(ack.errors?.[BLOCK.question(Object.keys(forgedAnswer)[0]!)]).toMatch(/not one of the options/);
    });
    expect(event).toMatchObject({ type: "answers.refused", screeningId, reason: "option_not_offered", questions: Object.keys(forgedAnswer) });
  });

  it("a multiple choice with one forged value among real ones is refused whole", async () => {
    const requester = e2e.person("UFORGEMULTI");
    await requester.command("new");
    // walk to the page with the capability checkboxes
    for (let i = 0; i < 10 && !JSON.stringify(requester.requireView().view.blocks).includes(BLOCK.question("functions")); i++) {
      await requester.submitPage(high.answers);
    }
    const screeningId = (await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: "UFORGEMULTI" } })).id;
    await forged("UFORGEMULTI", screeningId, async () => {
      const reply = await requester.submitPage({ ...high.answers, functions: ["intercept", "mind_control"] });
      expect(ackOf(reply).errors?.[BLOCK.question("functions")]).toMatch(/not among the options/);
    });
  });
});

describe("decisions that may not be made", () => {
  let reference = "";
  let screeningId = "";
  let escalationId = "";
  let ts = "";
  let requester = "";

  beforeAll(async () => {
    requester = "UDECIDEFORGE";
    const row = await submitScreening(e2e, e2e.person(requester), medium.answers);
    reference = row.reference;
    screeningId = row.id;
    ({ escalationId, ts } = await escalationMessage(e2e, screeningId));
    await e2e.settle();
  });

  /** A decision modal submitted by `user` without ever having been given one. */
  function forgedDecision(user: string, metadata: Record<string, string>, values = rationaleState("I decide.")) {
    return e2e.sender.viewSubmission({
      user,
      view: { id: "V0FORGED0001", callback_id: CALLBACK.decision, private_metadata: JSON.stringify(metadata), hash: "1767225600.abcdef", state: { values } },
    });
  }

  it("by someone who is not an approver", async () => {
    const [event] = await forged("UNOTAPPROVER", screeningId, async () => {
      const reply = await forgedDecision("UNOTAPPROVER", { e: escalationId, o: "approve" });
      expect(ackOf(reply).errors?.[BLOCK.rationale]).toMatch(/Only compliance approvers/);
    });
    expect(event).toMatchObject({ type: "decision.refused", code: "not_approver" });
  });

  it("by the requester, even an approver's forged submission on their own screening", async () => {
    const own = await submitScreening(e2e, e2e.person(APPROVERS[2]!), medium.answers);
    const mine = await escalationMessage(e2e, own.id);
    await forged(APPROVERS[2]!, own.id, async () => {
      const reply = await forgedDecision(APPROVERS[2]!, { e: mine.escalationId, o: "approve" });
      expect(ackOf(reply).errors?.[BLOCK.rationale]).toMatch(/cannot decide/);
    });
  });

  it("on an escalation that does not exist (forged id in the button value or the modal)", async () => {
    const [fromModal] = await forged(APPROVERS[0]!, null, async () => {
      const reply = await forgedDecision(APPROVERS[0]!, { e: FOREIGN_UUID, o: "reject" });
      expect(ackOf(reply).errors?.[BLOCK.rationale]).toMatch(/does not exist/);
    });
    expect(fromModal).toMatchObject({ type: "decision.refused", escalationId: FOREIGN_UUID });
    await forged(APPROVERS[0]!, null, () =>
      e2e.sender.send(
        blockActionsBody({
          user: APPROVERS[0]!,
          actions: [{ action_id: ACTION.decide.reject, block_id: "actions", value: FOREIGN_UUID, type: "button" }],
          container: "message",
          channel: COMPLIANCE,
          message: { ...(e2e.api.message(COMPLIANCE, ts) ?? {}), ts },
          responseUrl: e2e.api.responseUrl(),
        }),
        "application/x-www-form-urlencoded",
      ),
    );
  });

  it("with approval conditions that are not in the rules", async () => {
    const approver = await openDecision(e2e, APPROVERS[1]!, ts, "approve_with_conditions", escalationId);
    const values = {
      ...rationaleState("Conditions apply."),
      [BLOCK.conditions]: { [ACTION.conditions]: { type: "multi_static_select", selected_options: [{ value: "no_conditions_at_all" }] } },
    };
    const [event] = await forged(APPROVERS[1]!, screeningId, async () => {
      const reply = await sendSubmission(e2e, approver.submission(values));
      expect(JSON.stringify(ackOf(reply).errors)).toMatch(/not in the rule set/);
    });
    expect(event).toMatchObject({ type: "decision.refused", screeningId, code: "condition_not_in_rules" });
  });

  it("on an escalation already decided (a stale modal submitted later), naming who decided", async () => {
    const first = await openDecision(e2e, APPROVERS[0]!, ts, "approve", escalationId);
    const late = await openDecision(e2e, APPROVERS[1]!, ts, "reject", escalationId);
    expect(ackOf(await first.submit(rationaleState("Approved."))).response_action).toBe("clear");
    await e2e.settle();
    const [event] = await forged(APPROVERS[1]!, screeningId, async () => {
      const reply = await sendSubmission(e2e, late.submission(rationaleState("Reject!")));
      expect(ackOf(reply).errors?.[BLOCK.rationale]).toContain(`already approved`);
      expect(ackOf(reply).errors?.[BLOCK.rationale]).toContain(`@${APPROVERS[0]}`);
    });
    expect(event).toMatchObject({ type: "decision.refused", code: "already_final" });
    expect(reference).toMatch(/^DD-/);
    expect(requester).toBe("UDECIDEFORGE");
  });
});
