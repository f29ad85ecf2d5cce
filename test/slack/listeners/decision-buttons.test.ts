// The decision buttons' listener, called directly with a fake Web API client: the modal opens
// before any check or database work; then the approver check (the approval policy, through a
// stand-in for checkDecision that applies it to an escalation held in memory and audits refusals
// as the service does) decides whether it becomes the decision form or the reason it may not.
import type { BlockButtonAction } from "@slack/bolt";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { canDecide, type Decider, type DecisionOutcome, type EscalationView } from "../../../src/domain/approval-policy.js";
import { ServiceError } from "../../../src/services/errors.js";
import { BUSY_MESSAGE, runWithRequestBudget } from "../../../src/services/request-budget.js";
import { handleDecisionButton, registrations } from "../../../src/slack/listeners/actions/decision-buttons.js";
import type { ButtonArgs } from "../../../src/slack/listeners/types.js";
import { BUSY_CLICK_MESSAGE } from "../../../src/slack/failures.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { parseDecisionMetadata } from "../../../src/slack/parse/metadata.js";
import { fakeAck, fakeClient, fakeDeps, fakeRespond } from "./fakes.js";

const ESCALATION = "7d3e2a10-5b6c-4f7a-8e9d-abcdefabcdef";
const REFERENCE = "DD-2026-0042";
const REQUESTER = "UREQUESTER";
const APPROVERS = ["UAPPROVER1", "UAPPROVER2", REQUESTER];
const HARD_STOP_APPROVERS = ["UHARDSTOP"];

const checks = vi.hoisted(() => ({
  escalation: undefined as unknown,
  audited: [] as Array<Record<string, unknown>>,
  unreadable: [] as Array<Record<string, unknown>>,
  failWith: undefined as unknown,
  order: [] as string[],
  budgetLeft: [] as number[],
}));

vi.mock("../../../src/services/decisions.js", () => ({
  // What the service does, minus the database: the policy on the escalation, refusals audited.
  checkDecision: vi.fn(async (_ctx: unknown, args: { escalationId: string; actor: Decider; outcome: DecisionOutcome }) => {
    checks.order.push("checkDecision");
    const { budgetLeftMs } = await import("../../../src/services/request-budget.js");
    checks.budgetLeft.push(budgetLeftMs());
    if (checks.failWith) throw checks.failWith;
    if (args.escalationId !== ESCALATION) {
      checks.audited.push({ code: "unknown_escalation", actor: args.actor.userId });
      return { ok: false, refusal: { code: "not_approver", message: "That escalation does not exist. Nothing was changed." } };
    }
    const check = canDecide(args.actor, checks.escalation as EscalationView, args.outcome);
    if (!check.ok) {
      checks.audited.push({ code: check.refusal.code, actor: args.actor.userId, outcome: args.outcome });
      return { ok: false, refusal: check.refusal, reference: REFERENCE };
    }
    return { ok: true, escalation: { id: args.escalationId }, reference: REFERENCE };
  }),
}));

vi.mock("../../../src/services/context.js", async (original) => ({
  ...(await original<typeof import("../../../src/services/context.js")>()),
  recordUnreadableForm: vi.fn(async (_ctx: unknown, args: Record<string, unknown>) => {
    checks.unreadable.push(args);
  }),
}));

const { checkDecision } = await import("../../../src/services/decisions.js");

function escalation(overrides: Partial<EscalationView> = {}): EscalationView {
  return { status: "open", round: 1, requiredApprovals: 2, requesterId: REQUESTER, hardStop: false, decisions: [], ...overrides };
}

interface Click {
  user: string;
  outcome: DecisionOutcome;
  value?: string;
  fail?: string[];
}

async function click({ user, outcome, value = ESCALATION, fail = [] }: Click) {
  const api = fakeClient({ fail, order: checks.order });
  const { deps, logs } = fakeDeps({ client: api.client, approvers: APPROVERS, hardStopApprovers: HARD_STOP_APPROVERS });
  const decider = deps.approvers.decider.bind(deps.approvers);
  deps.approvers.decider = async (userId) => {
    checks.order.push("decider");
    return decider(userId);
  };
  const { ack, acks } = fakeAck();
  const { respond, responses } = fakeRespond();
  const body = {
    type: "block_actions",
    user: { id: user, username: user, name: user, team_id: "T1" },
    team: { id: "T1", domain: "t" },
    channel: { id: "C0COMPLIANCE", name: "compliance" },
    message: { type: "message", ts: "1767225600.000100" },
    container: { type: "message" },
    trigger_id: "1.2.trigger",
    response_url: "https://hooks.slack.test/actions/1",
    api_app_id: "A1",
    token: "t",
    actions: [],
  } as unknown as BlockButtonAction;
  const action = { type: "button", action_id: ACTION.decide[outcome], block_id: BLOCK.decisionActions, value, action_ts: "1767225600.1", text: { type: "plain_text", text: "x" } };
  const args = { ack, body, action, client: api.client, respond } as unknown as ButtonArgs;
  await handleDecisionButton(args, deps);
  const opened = api.callsTo("views.open")[0]?.view as Record<string, unknown> | undefined;
  const updated = api.callsTo("views.update").map((a) => a.view as Record<string, unknown>);
  const ephemeral = api.callsTo("chat.postEphemeral").map((a) => String(a.text));
  return { api, acks, responses, logs, opened, updated, ephemeral, shown: JSON.stringify(updated.at(-1) ?? {}) };
}

beforeEach(() => {
  checks.escalation = escalation();
  checks.audited = [];
  checks.unreadable = [];
  checks.failWith = undefined;
  checks.order = [];
  checks.budgetLeft = [];
  vi.mocked(checkDecision).mockClear();
});

describe("registrations", () => {
  it("one per decision button", () => {
    expect(registrations.map((r) => r.actionId).sort()).toEqual(Object.values(ACTION.decide).sort());
    expect(registrations.every((r) => r.listener === handleDecisionButton)).toBe(true);
  });
});

describe("a decision button clicked", () => {
  it("acknowledges and opens the decision modal before the approver check or any database work", async () => {
    const r = await click({ user: "UAPPROVER1", outcome: "approve" });
    expect(r.acks).toEqual([undefined]);
    expect(checks.order).toEqual(["views.open", "decider", "checkDecision", "views.update"]);
    expect(r.opened?.callback_id).toBe(CALLBACK.decision);
    expect(parseDecisionMetadata(r.opened?.private_metadata)).toEqual({ escalationId: ESCALATION, outcome: "approve" });
  });

  it("lets an approver decide: the modal is updated, hash-checked, to name the screening, keeping its inputs", async () => {
    const r = await click({ user: "UAPPROVER1", outcome: "approve_with_conditions" });
    const update = r.api.callsTo("views.update")[0];
    expect(update).toMatchObject({ view_id: "V1", hash: "hash-1" });
    const view = update?.view as { callback_id: string; private_metadata: string; blocks: Array<{ block_id?: string }> };
    expect(view.callback_id).toBe(CALLBACK.decision);
    expect(JSON.stringify(view.blocks[0])).toContain(REFERENCE);
    // same input blocks as the modal opened: what was typed meanwhile stays
    const ids = (v: unknown) => (v as { blocks: Array<{ block_id?: string }> }).blocks.map((b) => b.block_id).filter(Boolean);
    expect(ids(view)).toEqual(ids(r.opened));
    expect(r.ephemeral).toEqual([]);
    expect(checks.audited).toEqual([]);
    expect(vi.mocked(checkDecision).mock.calls[0]?.[1]).toMatchObject({ escalationId: ESCALATION, outcome: "approve_with_conditions", actor: { userId: "UAPPROVER1", isApprover: true } });
  });

  it.each([
    ["someone who is not an approver", "UOUTSIDER", "approve", "not_approver", /Only compliance approvers can decide escalations/],
    ["the requester, though an approver", REQUESTER, "reject", "own_screening", /You requested this screening, so you cannot decide it/],
  ] as const)("refuses %s: the modal becomes the reason, the refusal is audited, no decision form is shown", async (_who, user, outcome, code, message) => {
    const r = await click({ user, outcome });
    expect(r.opened?.callback_id).toBe(CALLBACK.decision);
    expect(r.updated).toHaveLength(1);
    expect(r.updated[0]?.callback_id).toBeUndefined();
    expect(r.shown).toMatch(message);
    expect(r.shown).toContain(REFERENCE);
    expect(r.shown).not.toContain(BLOCK.rationale);
    expect(r.ephemeral).toEqual([]);
    expect(checks.audited).toEqual([{ code, actor: user, outcome }]);
  });

  it("passes the approver directory's verdict on: not an approver is not one, whatever the button", async () => {
    for (const outcome of ["approve", "approve_with_conditions", "reject", "request_info"] as const) {
      await click({ user: "UOUTSIDER", outcome });
    }
    expect(vi.mocked(checkDecision).mock.calls.map((c) => c[1].actor)).toEqual(Array(4).fill(expect.objectContaining({ userId: "UOUTSIDER", isApprover: false })));
    expect(checks.audited.map((a) => a.code)).toEqual(["not_approver", "not_approver", "not_approver", "not_approver"]);
  });

  it("on a hard stop, lets only a hard-stop approver approve under authorisation, naming who may, and refuses a forged plain Approve", async () => {
    checks.escalation = escalation({ hardStop: true });
    const ordinary = await click({ user: "UAPPROVER1", outcome: "approve_under_authorisation" });
    expect(ordinary.shown).toMatch(/Only the hard-stop approvers can approve a hard stop/);
    // a mention would show raw in the notice's text: named as plain text
    expect(ordinary.shown).toContain("To approve it, ask @UHARDSTOP. Nothing was changed.");

    const hardStop = await click({ user: "UHARDSTOP", outcome: "approve_under_authorisation" });
    expect(hardStop.updated[0]?.callback_id).toBe(CALLBACK.decision);
    expect(JSON.stringify(hardStop.updated[0])).toContain(BLOCK.authorisationReference);

    const forged = await click({ user: "UHARDSTOP", outcome: "approve" });
    expect(forged.shown).toMatch(/only under a licence or authorisation/);
    expect(checks.audited.map((a) => a.code)).toEqual(["not_hard_stop_approver", "authorisation_required"]);
  });

  it("names who decided when the escalation is already final", async () => {
    checks.escalation = escalation({ status: "rejected", decisions: [{ deciderId: "UAPPROVER2", outcome: "reject", round: 1, createdAt: new Date(0) }] });
    const r = await click({ user: "UAPPROVER1", outcome: "approve" });
    expect(r.shown).toMatch(/already rejected/);
    expect(r.shown).toContain("@UAPPROVER2");
  });

  it("when Slack did not open the modal, tells the clicker alone: the refusal, or to click again", async () => {
    const refused = await click({ user: "UOUTSIDER", outcome: "approve", fail: ["views.open"] });
    expect(refused.updated).toEqual([]);
    expect(refused.ephemeral).toHaveLength(1);
    expect(refused.ephemeral[0]).toMatch(/Only compliance approvers/);
    expect(refused.api.callsTo("chat.postEphemeral")[0]).toMatchObject({ channel: "C0COMPLIANCE", user: "UOUTSIDER" });
    expect(checks.audited).toHaveLength(1);

    const allowed = await click({ user: "UAPPROVER1", outcome: "approve", fail: ["views.open"] });
    expect(allowed.ephemeral).toEqual([expect.stringMatching(/did not open the decision form.*Click the button again/)]);
  });

  it("when the modal was closed before the refusal could replace it, tells the refusal privately", async () => {
    const r = await click({ user: "UOUTSIDER", outcome: "approve", fail: ["views.update"] });
    expect(r.ephemeral).toEqual([expect.stringMatching(/Only compliance approvers/)]);
  });

  it("records a button value that is not an escalation id as an unreadable form, says so, and checks nothing", async () => {
    for (const value of ["", "not-an-id", "'; DROP TABLE escalations; --", `${ESCALATION}x`]) {
      const r = await click({ user: "UAPPROVER1", outcome: "approve", value });
      expect(r.opened).toBeUndefined();
      expect(r.ephemeral).toEqual([expect.stringMatching(/could not be read/)]);
    }
    expect(checkDecision).not.toHaveBeenCalled();
    expect(checks.unreadable).toEqual(Array(4).fill({ actorId: "UAPPROVER1", form: ACTION.decide.approve }));
  });

  it("reads an upper-case escalation id as the same id", async () => {
    await click({ user: "UAPPROVER1", outcome: "reject", value: ESCALATION.toUpperCase() });
    expect(vi.mocked(checkDecision).mock.calls[0]?.[1].escalationId).toBe(ESCALATION);
  });

  it("runs the check with no deadline once the modal is open: Slack waits for nothing more", async () => {
    await runWithRequestBudget({ receivedAt: Date.now() - 10_000, budgetMs: 2500 }, () => click({ user: "UAPPROVER1", outcome: "approve" }));
    expect(checks.budgetLeft).toEqual([Number.POSITIVE_INFINITY]);
  });

  it("a busy refusal all the same is told in the modal: nothing was changed", async () => {
    checks.failWith = new ServiceError("busy", BUSY_MESSAGE);
    const r = await click({ user: "UAPPROVER1", outcome: "approve" });
    expect(r.shown).toContain(BUSY_CLICK_MESSAGE.slice(0, 40));
    expect(r.updated[0]?.callback_id).toBeUndefined();
  });

  it("a failure that is not a refusal is logged without the button's text and answered in words", async () => {
    checks.failWith = new Error("Timed out fetching a new connection from the connection pool");
    const r = await click({ user: "UAPPROVER1", outcome: "approve" });
    expect(r.shown).toMatch(/Nothing was saved/);
    expect(r.logs.find((l) => l.level === "error")?.fields).toMatchObject({ escalationId: ESCALATION, kind: "database" });
  });
});
