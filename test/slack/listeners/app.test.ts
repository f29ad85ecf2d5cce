// app.ts wiring: every listener of the tables is registered for what it answers, and the
// global "busy" step runs before them, so a request already past its budget is answered at
// once without reaching a listener or the database.
import type { ReceiverEvent } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { RedactingLogger } from "../../../src/log.js";
import type { ServiceContext } from "../../../src/services/context.js";
import { BUSY_MESSAGE, runWithRequestBudget } from "../../../src/services/request-budget.js";
import { createSlackApp, registerListeners } from "../../../src/slack/app.js";
import type { SlackDeps } from "../../../src/slack/context.js";
import { BUSY_CLICK_MESSAGE } from "../../../src/slack/failures.js";
import { CALLBACK } from "../../../src/slack/ids.js";
import { ACTIONS, buttonListeners, COMMANDS, EVENTS, SHORTCUTS, VIEWS, viewListeners } from "../../../src/slack/listeners/index.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";

describe("the listener tables", () => {
  it("reach Bolt as one listener per surface: every command, event and shortcut, all buttons, submitted and closed modals", () => {
    const registered: string[] = [];
    const app = {
      command: (command: string) => registered.push(`command ${command}`),
      action: (c: { type: string }) => registered.push(`action ${c.type}`),
      view: (c: { type: string }) => registered.push(`view ${c.type}`),
      event: (event: string) => registered.push(`event ${event}`),
      shortcut: (c: { callback_id: string }) => registered.push(`shortcut ${c.callback_id}`),
    };
    registerListeners(app as never, {} as SlackDeps);
    expect(registered.sort()).toEqual(["action block_actions", "command /screening", "event app_home_opened", "shortcut report_misuse", "view view_closed", "view view_submission"]);
  });

  it("route every button to its own listener, and only to it", () => {
    const route = buttonListeners(ACTIONS);
    const ids = ACTIONS.map((r) => (typeof r.actionId === "string" ? r.actionId : `${r.actionId.source.replace(/^\^/, "").replace(/\(:\.\*\)\?\$$/, "")}:7`));
    expect(ids).toEqual(expect.arrayContaining(["decide_approve", "view_answers"]));
    ACTIONS.forEach((r, i) => expect(route(ids[i]!), ids[i]).toEqual([r.listener]));
    expect(route("no_such_button")).toEqual([]);
  });

  it("route every modal to its listener by callback_id and by submitted or closed", () => {
    const submitted = viewListeners(VIEWS, "view_submission");
    const closed = viewListeners(VIEWS, "view_closed");
    for (const r of VIEWS) expect((r.type === "view_submission" ? submitted : closed)(r.callbackId)).toEqual([r.listener]);
    for (const id of [CALLBACK.page, CALLBACK.decision, CALLBACK.reply, CALLBACK.matchResolution]) expect(submitted(id)).toHaveLength(1);
    expect(closed(CALLBACK.page)).toHaveLength(1);
    expect(closed(CALLBACK.decision)).toEqual([]);
    expect(submitted("no_such_modal")).toEqual([]);
  });

  it("name every listener function", () => {
    for (const r of [...COMMANDS, ...ACTIONS, ...VIEWS, ...EVENTS, ...SHORTCUTS]) expect(r.listener.name).toMatch(/^handle[A-Z]/);
  });
});

describe("the app", () => {
  const lines: string[] = [];
  const slack = createSlackApp({
    config: {
      mode: "http",
      port: 0,
      slackBotToken: "xoxb-test-0000",
      slackSigningSecret: "secret-for-tests-0000",
      slackAppToken: undefined,
      slackApiUrl: "http://127.0.0.1:9/api/",
      approverUserIds: ["UAPPROVER1"],
      approverUsergroupId: undefined,
      hardStopApproverUserIds: [],
      hardStopApproverUsergroupId: undefined,
    },
    // A database nobody may reach: a busy answer needs none.
    services: { prisma: {}, ruleSet: tinyRuleSet(), complianceChannelId: "C0COMPLIANCE", now: () => new Date(), log: new RedactingLogger(() => undefined) } as unknown as Omit<ServiceContext, "onDeliveriesEnqueued">,
    log: new RedactingLogger((l) => lines.push(l)),
    health: async () => ({ ok: true, details: {} }),
  });

  /** Bolt's processEvent, as the receiver calls it, for a request that arrived `waitedMs` ago. */
  async function dispatch(body: Record<string, unknown>, waitedMs: number): Promise<unknown[]> {
    const acks: unknown[] = [];
    const event: ReceiverEvent = { body, ack: async (response?: unknown) => void acks.push(response), customProperties: {} };
    await runWithRequestBudget({ receivedAt: Date.now() - waitedMs, budgetMs: 2500 }, () => slack.app.processEvent(event));
    return acks;
  }

  const S = "0b9f6c1e-3c1a-4d2e-9f00-1234567890ab";
  const submission = {
    type: "view_submission",
    team: { id: "T1" },
    user: { id: "U1" },
    view: {
      id: "V1",
      hash: "h",
      type: "modal",
      callback_id: CALLBACK.page,
      private_metadata: JSON.stringify({ s: S, p: "transaction" }),
      blocks: [{ type: "input", block_id: "q:item" }],
      state: { values: { "q:item": { answer: { type: "plain_text_input", value: "x" } } } },
    },
  };

  it("answers a page submitted past its budget with BUSY_MESSAGE, before any listener", async () => {
    expect(await dispatch(submission, 3000)).toEqual([{ response_action: "errors", errors: { "q:item": BUSY_MESSAGE } }]);
    expect(lines.join("\n")).toContain("answered busy");
  });

  it("answers /screening typed past its budget with an ephemeral message", async () => {
    const command = { command: "/screening", text: "list", user_id: "U1", team_id: "T1", channel_id: "C1", trigger_id: "1.2.3", response_url: "http://127.0.0.1:9/r" };
    expect(await dispatch(command, 2600)).toEqual([{ response_type: "ephemeral", text: BUSY_CLICK_MESSAGE }]);
  });

  it("hands a request within its budget to its listener", async () => {
    const command = { command: "/screening", text: "help", user_id: "U1", team_id: "T1", channel_id: "C1", trigger_id: "1.2.3", response_url: "http://127.0.0.1:9/r" };
    const [reply] = await dispatch(command, 0);
    expect(JSON.stringify(reply)).toMatch(/\/screening/);
    expect(reply).not.toEqual({ response_type: "ephemeral", text: BUSY_CLICK_MESSAGE });
  });
});
