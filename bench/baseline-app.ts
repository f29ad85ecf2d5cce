// The baseline: a bare Bolt 5 app on the same receiver (HTTPReceiver, same signing secret,
// same processBeforeResponse, same Web API client options) that does the least each step of a
// screening needs and nothing else: no database, no rules, static views. What the bot costs
// beyond this is the bot's own work.
//   /screening             → ack, views.open(static page)
//   page submitted         → response_action "update" with the static page
//   review submitted       → response_action "update" with a static result; chat.postMessage (static escalation)
//   decision button        → ack, views.open(static decision modal)
//   decision submitted     → response_action "clear"; chat.update (static)
import { App, HTTPReceiver, LogLevel, type Logger } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";

export const BASELINE = {
  command: "/screening",
  page: "bench_page",
  review: "bench_review",
  decision: "bench_decision",
  approveAction: "decide_approve",
} as const;

const yesNo = [
  { text: { type: "plain_text" as const, text: "Yes" }, value: "yes" },
  { text: { type: "plain_text" as const, text: "No" }, value: "no" },
];

/** About the size of one of the bot's questionnaire pages: a context line, an intro, eight questions. */
export function staticPage(): ModalView {
  const questions: KnownBlock[] = Array.from({ length: 8 }, (_, i) => ({
    type: "input",
    block_id: `q:static_${i + 1}`,
    label: { type: "plain_text", text: `Static question number ${i + 1} of this page?` },
    hint: { type: "plain_text", text: "A hint about where to find the answer, as long as the bot's hints are." },
    element: { type: "radio_buttons", action_id: "answer", options: yesNo },
  }));
  return {
    type: "modal",
    callback_id: BASELINE.page,
    title: { type: "plain_text", text: "Baseline page" },
    submit: { type: "plain_text", text: "Next" },
    close: { type: "plain_text", text: "Close" },
    private_metadata: JSON.stringify({ s: "00000000-0000-0000-0000-000000000000", p: "static" }),
    blocks: [
      { type: "context", elements: [{ type: "mrkdwn", text: "Static page of the baseline app" }] },
      { type: "section", text: { type: "mrkdwn", text: "This modal never changes: the baseline does no work beyond Bolt's own." } },
      ...questions,
    ],
  };
}

function staticResult(): ModalView {
  return {
    type: "modal",
    callback_id: "bench_result",
    title: { type: "plain_text", text: "Submitted" },
    close: { type: "plain_text", text: "Done" },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "Submitted: sent to compliance." } }],
  };
}

function staticDecisionModal(privateMetadata: string): ModalView {
  return {
    type: "modal",
    callback_id: BASELINE.decision,
    private_metadata: privateMetadata,
    title: { type: "plain_text", text: "Approve" },
    submit: { type: "plain_text", text: "Approve" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: "*Approve* the static escalation." } },
      {
        type: "input",
        block_id: "decision_rationale",
        label: { type: "plain_text", text: "Rationale" },
        element: { type: "plain_text_input", action_id: "rationale", multiline: true },
      },
    ],
  };
}

function staticEscalation(requester: string): { text: string; blocks: KnownBlock[] } {
  return {
    text: `Static escalation for <@${requester}>`,
    blocks: [
      { type: "section", text: { type: "mrkdwn", text: `Static escalation for <@${requester}>` } },
      {
        type: "actions",
        block_id: "decision_actions",
        elements: [{ type: "button", action_id: BASELINE.approveAction, text: { type: "plain_text", text: "Approve" }, value: "static" }],
      },
    ],
  };
}

export interface BaselineOptions {
  signingSecret: string;
  token: string;
  slackApiUrl: string;
  complianceChannel: string;
  processBeforeResponse: boolean;
  logger: Logger;
}

export function createBaselineApp(opts: BaselineOptions): App {
  const receiver = new HTTPReceiver({
    signingSecret: opts.signingSecret,
    endpoints: "/slack/events",
    processBeforeResponse: opts.processBeforeResponse,
    logger: opts.logger,
  });
  opts.logger.setLevel(LogLevel.WARN);
  const app = new App({
    receiver,
    token: opts.token,
    logger: opts.logger,
    tokenVerificationEnabled: false,
    botId: "B0DDBOT",
    botUserId: "U0DDBOT",
    clientOptions: { slackApiUrl: opts.slackApiUrl, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: opts.logger },
  });
  const page = staticPage();

  app.command(BASELINE.command, async ({ ack, client, command }) => {
    await ack();
    await client.views.open({ trigger_id: command.trigger_id, view: page });
  });
  app.view(BASELINE.page, async ({ ack }) => {
    await ack({ response_action: "update", view: page });
  });
  app.view(BASELINE.review, async ({ ack, body, client }) => {
    await ack({ response_action: "update", view: staticResult() });
    await client.chat.postMessage({ channel: opts.complianceChannel, ...staticEscalation(body.user.id) });
  });
  app.action(BASELINE.approveAction, async ({ ack, body, client }) => {
    await ack();
    const requester = body.type === "block_actions" ? /<@([A-Z0-9]+)>/.exec(String(body.message?.text ?? ""))?.[1] : undefined;
    const where = body.type === "block_actions" && body.channel && body.message ? { channel: body.channel.id, ts: body.message.ts, requester: requester ?? "" } : null;
    if (body.type === "block_actions" && where) {
      await client.views.open({ trigger_id: body.trigger_id, view: staticDecisionModal(JSON.stringify(where)) });
    }
  });
  app.view(BASELINE.decision, async ({ ack, view, client }) => {
    await ack({ response_action: "clear" });
    const where = JSON.parse(view.private_metadata) as { channel: string; ts: string; requester: string };
    // Static, and keeps its button: a second approver may still click it.
    await client.chat.update({ channel: where.channel, ts: where.ts, ...staticEscalation(where.requester) });
  });
  return app;
}
