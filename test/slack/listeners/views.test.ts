// Modal submissions, called directly: a "busy" refusal from a use case (the request waited past
// its budget; nothing was written) is answered at once and keeps the form as typed, on the
// first input (or on top of a form without inputs); a form whose metadata is not ours is
// recorded and never handed to a use case; a closed page's draft is kept however late.
import type { ViewSubmitAction } from "@slack/bolt";
import { beforeEach, describe, expect, it, vi } from "vitest";
import { ServiceError } from "../../../src/services/errors.js";
import { budgetLeftMs, BUSY_MESSAGE, runWithRequestBudget } from "../../../src/services/request-budget.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { handleDecisionSubmission } from "../../../src/slack/listeners/views/decision.js";
import { handlePageClosed, handlePageSubmission, handleReviewSubmission } from "../../../src/slack/listeners/views/interview.js";
import { handleMatchResolutionSubmission } from "../../../src/slack/listeners/views/match-resolution.js";
import { handleReplySubmission } from "../../../src/slack/listeners/views/reply.js";
import type { Listener, ViewClosedArgs, ViewSubmitArgs } from "../../../src/slack/listeners/types.js";
import { fakeAck, fakeClient, fakeDeps } from "./fakes.js";

const S = "0b9f6c1e-3c1a-4d2e-9f00-1234567890ab";
const E = "7d3e2a10-5b6c-4f7a-8e9d-abcdefabcdef";

const state = vi.hoisted(() => ({ failWith: undefined as unknown, calls: [] as Array<{ service: string; args: Record<string, unknown>; budgetLeft: number }>, unreadable: [] as unknown[] }));

vi.mock("../../../src/services/interview.js", async () => {
  const { budgetLeftMs: left } = await import("../../../src/services/request-budget.js");
  const service = (name: string) =>
    vi.fn(async (_ctx: unknown, args: Record<string, unknown>) => {
      state.calls.push({ service: name, args, budgetLeft: left() });
      if (state.failWith) throw state.failWith;
      return { kind: "duplicate" };
    });
  return { savePage: service("savePage"), submitScreening: service("submitScreening"), pauseScreening: service("pauseScreening") };
});
vi.mock("../../../src/services/replies.js", () => ({
  replyToCompliance: vi.fn(async (_ctx: unknown, args: Record<string, unknown>) => {
    state.calls.push({ service: "replyToCompliance", args, budgetLeft: 0 });
    if (state.failWith) throw state.failWith;
    return { kind: "sent", reference: "DD-2026-0001" };
  }),
}));
vi.mock("../../../src/services/decisions.js", () => ({
  decideEscalation: vi.fn(async (_ctx: unknown, args: Record<string, unknown>) => {
    state.calls.push({ service: "decideEscalation", args, budgetLeft: 0 });
    if (state.failWith) throw state.failWith;
    return { kind: "duplicate" };
  }),
}));
vi.mock("../../../src/services/party-matches.js", () => ({
  REASON_MAX: 1000,
  resolvePartyMatch: vi.fn(async (_ctx: unknown, args: Record<string, unknown>) => {
    state.calls.push({ service: "resolvePartyMatch", args, budgetLeft: 0 });
    if (state.failWith) throw state.failWith;
    return { kind: "duplicate" };
  }),
}));
vi.mock("../../../src/services/context.js", async (original) => ({
  ...(await original<typeof import("../../../src/services/context.js")>()),
  recordUnreadableForm: vi.fn(async (_ctx: unknown, args: unknown) => {
    state.unreadable.push(args);
  }),
}));

beforeEach(() => {
  state.failWith = undefined;
  state.calls = [];
  state.unreadable = [];
});

const BUSY = new ServiceError("busy", BUSY_MESSAGE);

async function submit(listener: Listener<ViewSubmitArgs>, view: { callback_id: string; private_metadata: string; values?: Record<string, Record<string, unknown>> }, user = "UAPPROVER1") {
  const api = fakeClient();
  const { deps } = fakeDeps({ client: api.client, approvers: ["UAPPROVER1"] });
  const { ack, acks } = fakeAck();
  const fullView = { id: "V1", hash: "h1", type: "modal", callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values: view.values ?? {} }, blocks: [] };
  const body = { type: "view_submission", user: { id: user }, view: fullView } as unknown as ViewSubmitAction;
  await listener({ ack, body, view: fullView } as unknown as ViewSubmitArgs, deps);
  return acks as Array<Record<string, unknown>>;
}

const text = (value: string) => ({ type: "plain_text_input", value });

describe("a busy refusal from the use case", () => {
  it("on a page: BUSY_MESSAGE on its first input", async () => {
    state.failWith = BUSY;
    const acks = await submit(handlePageSubmission, { callback_id: CALLBACK.page, private_metadata: JSON.stringify({ s: S, p: "transaction" }), values: { "q:item": { answer: text("x") }, "q:destination": { answer: {} } } });
    expect(acks).toEqual([{ response_action: "errors", errors: { "q:item": BUSY_MESSAGE } }]);
  });

  it("on the review (no inputs): a notice pushed on top of it, so that it can be submitted again", async () => {
    state.failWith = BUSY;
    const acks = await submit(handleReviewSubmission, { callback_id: CALLBACK.review, private_metadata: JSON.stringify({ s: S }) });
    expect(acks).toHaveLength(1);
    expect(acks[0]?.response_action).toBe("push");
    expect(JSON.stringify(acks[0])).toContain(BUSY_MESSAGE.slice(0, 40));
  });

  it("on a decision: on the rationale", async () => {
    state.failWith = BUSY;
    const acks = await submit(handleDecisionSubmission, { callback_id: CALLBACK.decision, private_metadata: JSON.stringify({ e: E, o: "reject" }), values: { [BLOCK.rationale]: { [ACTION.rationale]: text("No.") } } });
    expect(acks).toEqual([{ response_action: "errors", errors: { [BLOCK.rationale]: BUSY_MESSAGE } }]);
  });

  it("on a reply: on the reply, keeping the text (other refusals replace the form)", async () => {
    state.failWith = BUSY;
    const meta = JSON.stringify({ s: S });
    const values = { [BLOCK.reply]: { [ACTION.replyText]: text("The units are…") } };
    expect(await submit(handleReplySubmission, { callback_id: CALLBACK.reply, private_metadata: meta, values })).toEqual([{ response_action: "errors", errors: { [BLOCK.reply]: BUSY_MESSAGE } }]);
    state.failWith = new ServiceError("forbidden", "Only the requester can reply.");
    expect((await submit(handleReplySubmission, { callback_id: CALLBACK.reply, private_metadata: meta, values }))[0]?.response_action).toBe("update");
  });

  it("on a match resolution: on the reason", async () => {
    state.failWith = BUSY;
    const meta = JSON.stringify({ s: S, i: 0, e: "entry-1", o: "confirmed" });
    const acks = await submit(handleMatchResolutionSubmission, { callback_id: CALLBACK.matchResolution, private_metadata: meta, values: { [BLOCK.matchReason]: { [ACTION.matchReason]: text("Same passport number.") } } });
    expect(acks).toEqual([{ response_action: "errors", errors: { [BLOCK.matchReason]: BUSY_MESSAGE } }]);
  });
});

describe("typed keys", () => {
  it("hand the use cases the id from the metadata, lower-cased, never a raw string", async () => {
    await submit(handlePageSubmission, { callback_id: CALLBACK.page, private_metadata: JSON.stringify({ s: S.toUpperCase(), p: "transaction" }) });
    await submit(handleReplySubmission, { callback_id: CALLBACK.reply, private_metadata: JSON.stringify({ s: S }) });
    await submit(handleMatchResolutionSubmission, {
      callback_id: CALLBACK.matchResolution,
      private_metadata: JSON.stringify({ s: S, i: 2, e: "entry-1", o: "not_same_party" }),
      values: { [BLOCK.matchReason]: { [ACTION.matchReason]: text("Another company.") } },
    });
    expect(state.calls.map((c) => [c.service, c.args.screeningId])).toEqual([
      ["savePage", S],
      ["replyToCompliance", S],
      ["resolvePartyMatch", S],
    ]);
  });

  it.each([
    ["a page", handlePageSubmission, CALLBACK.page, { s: "DD-2026-0001", p: "transaction" }],
    ["the review", handleReviewSubmission, CALLBACK.review, { s: "not-an-id" }],
    ["a decision", handleDecisionSubmission, CALLBACK.decision, { e: S.slice(0, 35), o: "approve" }],
    ["a reply", handleReplySubmission, CALLBACK.reply, { s: `${S}'; --` }],
    ["a match resolution", handleMatchResolutionSubmission, CALLBACK.matchResolution, { s: "x", i: 0, e: "entry-1", o: "confirmed" }],
  ] as const)("%s whose metadata does not name one is recorded as unreadable and told so; no use case sees it", async (_what, listener, callbackId, meta) => {
    const acks = await submit(listener, { callback_id: callbackId, private_metadata: JSON.stringify(meta) });
    expect(acks).toHaveLength(1);
    expect(JSON.stringify(acks[0])).toMatch(/could not be read/);
    expect(state.calls).toEqual([]);
    expect(state.unreadable).toEqual([{ actorId: "UAPPROVER1", form: callbackId }]);
  });
});

describe("a page closed", () => {
  it("acknowledges first and keeps the draft with no deadline, however long the request waited", async () => {
    const api = fakeClient();
    const { deps } = fakeDeps({ client: api.client });
    const { ack, acks } = fakeAck();
    const view = { id: "V1", hash: "h1", callback_id: CALLBACK.page, private_metadata: JSON.stringify({ s: S, p: "transaction" }), state: { values: {} } };
    await runWithRequestBudget({ receivedAt: Date.now() - 60_000, budgetMs: 2500 }, async () => {
      expect(budgetLeftMs()).toBeLessThan(0);
      await handlePageClosed({ ack, body: { type: "view_closed", user: { id: "U1" }, view }, view } as unknown as ViewClosedArgs, deps);
    });
    expect(acks).toEqual([undefined]);
    expect(state.calls.map((c) => [c.service, c.budgetLeft])).toEqual([["pauseScreening", Number.POSITIVE_INFINITY]]);
  });
});
