// The global dispatch steps: a request that has already waited past its budget is answered
// "busy" at once, before any listener (so before any database work), in the way its surface
// allows; a request within its budget, a modal closed and an event go on.
import { describe, expect, it } from "vitest";
import { budgetLeftMs, BUSY_MESSAGE, runWithRequestBudget } from "../../../src/services/request-budget.js";
import { BUSY_CLICK_MESSAGE } from "../../../src/slack/failures.js";
import { busyViewResponse, firstInputBlockId, shedLateRequests, startRequestBudget, withoutDeadline, type DispatchArgs } from "../../../src/slack/listeners/middleware.js";
import { fakeAck, fakeClient, fakeRespond, type Logged } from "./fakes.js";

const BUDGET_MS = 2500;

function logger() {
  const logs: Logged[] = [];
  const record = (level: string) => (message: string, fields?: Record<string, unknown>) => {
    logs.push({ level, message, ...(fields ? { fields } : {}) });
  };
  return { logs, log: { info: record("info"), warn: record("warn"), error: record("error") } };
}

/** Runs shedLateRequests for `body` as if it arrived `waitedMs` ago. */
async function dispatch(body: Record<string, unknown>, waitedMs: number) {
  const api = fakeClient();
  const { ack, acks } = fakeAck();
  const { respond, responses } = fakeRespond();
  const { log, logs } = logger();
  let nextCalled = false;
  const args: DispatchArgs = {
    body,
    ack,
    ...(body.response_url ? { respond: respond as DispatchArgs["respond"] } : {}),
    client: api.client,
    next: async () => {
      nextCalled = true;
    },
  };
  await runWithRequestBudget({ receivedAt: Date.now() - waitedMs, budgetMs: BUDGET_MS }, () => shedLateRequests(log)(args));
  return { api, acks, responses, logs, nextCalled };
}

const pageSubmission = {
  type: "view_submission",
  user: { id: "U1" },
  view: {
    id: "V1",
    callback_id: "screening_page",
    blocks: [
      { type: "context", block_id: "ctx", elements: [] },
      { type: "input", block_id: "q:item", element: { type: "plain_text_input", action_id: "answer" } },
      { type: "input", block_id: "q:destination", element: { type: "static_select", action_id: "answer" } },
    ],
    state: { values: { "q:item": { answer: { type: "plain_text_input", value: "x" } } } },
  },
};

describe("shedLateRequests", () => {
  it("lets a request within its budget through", async () => {
    for (const body of [{ command: "/screening", text: "" }, pageSubmission, { type: "block_actions", user: { id: "U1" }, trigger_id: "t" }]) {
      const r = await dispatch(body, 100);
      expect(r.nextCalled).toBe(true);
      expect(r.acks).toEqual([]);
      expect(r.api.calls).toEqual([]);
    }
  });

  it("answers a form submitted past its budget with BUSY_MESSAGE on its first input, the form kept as typed", async () => {
    const r = await dispatch(pageSubmission, BUDGET_MS + 50);
    expect(r.nextCalled).toBe(false);
    expect(r.acks).toEqual([{ response_action: "errors", errors: { "q:item": BUSY_MESSAGE } }]);
    expect(r.logs).toEqual([expect.objectContaining({ level: "warn", fields: expect.objectContaining({ kind: "view_submission" }) })]);
    expect((r.logs[0]?.fields?.overBudgetMs as number) >= 50).toBe(true);
  });

  it("answers a form without inputs (the review) with a notice on top of it, to submit again once closed", async () => {
    const r = await dispatch({ type: "view_submission", user: { id: "U1" }, view: { id: "V1", callback_id: "screening_review", blocks: [{ type: "section" }], state: { values: {} } } }, BUDGET_MS);
    expect(r.acks).toEqual([{ response_action: "push", view: expect.objectContaining({ type: "modal" }) }]);
    expect(JSON.stringify(r.acks[0])).toContain(BUSY_MESSAGE.slice(0, 30));
  });

  it("answers a command with an ephemeral message", async () => {
    const r = await dispatch({ command: "/screening", text: "list", user_id: "U1", trigger_id: "t" }, BUDGET_MS + 1);
    expect(r.nextCalled).toBe(false);
    expect(r.acks).toEqual([{ response_type: "ephemeral", text: BUSY_CLICK_MESSAGE }]);
  });

  it("answers a click in a channel with an ephemeral message there", async () => {
    const r = await dispatch(
      { type: "block_actions", user: { id: "U1" }, channel: { id: "C1" }, trigger_id: "t", response_url: "https://hooks.slack.test/1", actions: [{ action_id: "decide_approve" }] },
      BUDGET_MS + 1,
    );
    expect(r.nextCalled).toBe(false);
    expect(r.acks).toEqual([undefined]);
    expect(r.api.callsTo("chat.postEphemeral")).toEqual([{ channel: "C1", user: "U1", text: BUSY_CLICK_MESSAGE }]);
  });

  it("answers a click in a DM through its response_url", async () => {
    const r = await dispatch({ type: "block_actions", user: { id: "U1" }, trigger_id: "t", response_url: "https://hooks.slack.test/1", actions: [] }, BUDGET_MS + 1);
    expect(r.responses).toEqual([{ response_type: "ephemeral", replace_original: false, text: BUSY_CLICK_MESSAGE }]);
  });

  it("answers a click inside a modal with a notice pushed on top of it, and one on the Home tab with a notice modal", async () => {
    const inModal = await dispatch({ type: "block_actions", user: { id: "U1" }, trigger_id: "t1", view: { id: "V1", type: "modal" }, actions: [] }, BUDGET_MS + 1);
    expect(inModal.api.methods()).toEqual(["views.push"]);
    expect(inModal.api.callsTo("views.push")[0]).toMatchObject({ trigger_id: "t1" });
    const onHome = await dispatch({ type: "block_actions", user: { id: "U1" }, trigger_id: "t2", view: { id: "V2", type: "home" }, actions: [] }, BUDGET_MS + 1);
    expect(onHome.api.methods()).toEqual(["views.open"]);
    expect(JSON.stringify(onHome.api.callsTo("views.open")[0])).toContain("busy");
  });

  it("lets a modal closed and an event through however late: their answer is an empty ack nobody waits on", async () => {
    for (const body of [{ type: "view_closed", user: { id: "U1" }, view: { id: "V1" } }, { type: "event_callback", event: { type: "app_home_opened" } }]) {
      const r = await dispatch(body, BUDGET_MS * 3);
      expect(r.nextCalled).toBe(true);
      expect(r.acks).toEqual([]);
    }
  });

  it("lets everything through outside a request's budget (no clock started)", async () => {
    const { log } = logger();
    let nextCalled = false;
    await shedLateRequests(log)({ body: pageSubmission, client: fakeClient().client, next: async () => void (nextCalled = true) });
    expect(nextCalled).toBe(true);
  });
});

describe("busyViewResponse and firstInputBlockId", () => {
  it("find the first input block from the view's blocks, else from its state", () => {
    expect(firstInputBlockId(pageSubmission.view)).toBe("q:item");
    expect(firstInputBlockId({ state: { values: { decision_rationale: {} } } })).toBe("decision_rationale");
    for (const view of [undefined, null, "x", [], {}, { blocks: "x" }, { blocks: [{ type: "input" }] }]) expect(firstInputBlockId(view)).toBeUndefined();
    expect(busyViewResponse(undefined)).toMatchObject({ response_action: "push" });
  });
});

describe("startRequestBudget and withoutDeadline", () => {
  it("start the clock when nothing has (Socket Mode), and keep the receiver's when it has", async () => {
    let left = Number.NaN;
    await startRequestBudget(BUDGET_MS)({ body: {}, client: fakeClient().client, next: async () => void (left = budgetLeftMs()) });
    expect(left).toBeGreaterThan(BUDGET_MS - 1000);
    expect(left).toBeLessThanOrEqual(BUDGET_MS);
    await runWithRequestBudget({ receivedAt: Date.now() - 2000, budgetMs: BUDGET_MS }, () =>
      startRequestBudget(BUDGET_MS)({ body: {}, client: fakeClient().client, next: async () => void (left = budgetLeftMs()) }),
    );
    expect(left).toBeLessThanOrEqual(500);
  });

  it("withoutDeadline lifts the budget for the work it runs", async () => {
    const left = await runWithRequestBudget({ receivedAt: Date.now() - 10_000, budgetMs: BUDGET_MS }, () => withoutDeadline(async () => budgetLeftMs()));
    expect(left).toBe(Number.POSITIVE_INFINITY);
  });
});
