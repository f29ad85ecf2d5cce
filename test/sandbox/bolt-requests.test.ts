// Forged requests against a real Bolt app (HTTPReceiver, processBeforeResponse) whose Web API is
// the fake: Bolt's own signature check accepts what signSlackRequest signs and refuses the rest,
// and Bolt routes every payload shape to the listener a real Slack request would reach.
import { App, HTTPReceiver, LogLevel, type Logger } from "@slack/bolt";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { signSlackRequest, verifySlackSignature } from "../../src/sandbox/signing.js";
import { startFakeSlackApi, type FakeSlackApi, type FakeView } from "../../src/sandbox/slack-api.js";
import {
  blockActionsBody,
  eventBody,
  FORM_CONTENT_TYPE,
  JSON_CONTENT_TYPE,
  SlackRequestSender,
  slashCommandBody,
  urlVerificationBody,
  viewClosedBody,
  viewSubmissionBody,
} from "../../src/sandbox/slack-requests.js";

const SECRET = "8f742231b10e8888abcd99yyyzzz85a5";
const ALICE = "U0ALICE0001";
const COMPLIANCE = "C0COMPLIAN";

const quiet: Logger = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };

let fake: FakeSlackApi;
let app: App;
let slack: SlackRequestSender;
const seen: Array<{ kind: string; body: unknown; botUserId?: string | undefined }> = [];

const plain = (text: string) => ({ type: "plain_text" as const, text });
const pageView = {
  type: "modal" as const,
  callback_id: "screening_page",
  private_metadata: JSON.stringify({ screeningId: "s-1", page: "item" }),
  notify_on_close: true,
  title: plain("Screening"),
  submit: plain("Next"),
  blocks: [{ type: "input", block_id: "q:item", label: plain("Item"), element: { type: "plain_text_input", action_id: "answer" } }],
};

beforeAll(async () => {
  fake = await startFakeSlackApi();
  const receiver = new HTTPReceiver({ signingSecret: SECRET, processBeforeResponse: true, logger: quiet });
  // A token without botId/botUserId: Bolt asks the fake's auth.test who it is.
  app = new App({ token: "xoxb-sandbox", receiver, logger: quiet, clientOptions: { slackApiUrl: fake.url, retryConfig: { retries: 0 }, logger: quiet } });

  app.command("/screening", async ({ ack, command, client, context }) => {
    seen.push({ kind: "command", body: command, botUserId: context.botUserId });
    await ack();
    if (command.text === "new") await client.views.open({ trigger_id: command.trigger_id, view: pageView });
  });
  app.action("decide_approve", async ({ ack, body }) => {
    seen.push({ kind: "action", body });
    await ack();
  });
  app.action("edit_page", async ({ ack, body }) => {
    seen.push({ kind: "view-action", body });
    await ack();
  });
  app.view("screening_page", async ({ ack, view }) => {
    seen.push({ kind: "submission", body: view });
    const item = view.state.values["q:item"]?.answer?.value ?? "";
    if (item.length < 3) await ack({ response_action: "errors", errors: { "q:item": "Name the item (at least 3 characters)." } });
    else await ack();
  });
  app.view({ callback_id: "screening_page", type: "view_closed" }, async ({ ack, body }) => {
    seen.push({ kind: "closed", body });
    await ack();
  });
  app.event("app_home_opened", async ({ event, client }) => {
    seen.push({ kind: "event", body: event });
    await client.views.publish({ user_id: event.user, view: { type: "home", blocks: [{ type: "section", text: { type: "mrkdwn", text: "Hello" } }] } });
  });

  const server = await app.start(0);
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("Bolt is not listening on a TCP port");
  slack = new SlackRequestSender(`http://127.0.0.1:${address.port}`, SECRET);
});

afterAll(async () => {
  await app.stop();
  await fake.close();
});

beforeEach(() => {
  seen.length = 0;
});

const command = (text: string) => slashCommandBody({ command: "/screening", text, userId: ALICE, userName: "alice", responseUrl: fake.responseUrl() });

describe("request signing against Bolt's verification", () => {
  it("a correctly signed slash command is accepted (200)", async () => {
    const res = await slack.send(command("help"), FORM_CONTENT_TYPE);
    expect(res.status).toBe(200);
    expect(seen.map((s) => s.kind)).toEqual(["command"]);
  });

  it("a request signed with another secret is refused (401) and reaches no listener", async () => {
    const body = command("help");
    const res = await slack.send(body, FORM_CONTENT_TYPE, signSlackRequest("not-the-secret", body));
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it("a body changed after signing is refused (401)", async () => {
    const signed = signSlackRequest(SECRET, command("help"));
    const res = await slack.send(command("list"), FORM_CONTENT_TYPE, signed);
    expect(res.status).toBe(401);
  });

  it("a timestamp older than five minutes is refused (401) even when correctly signed", async () => {
    const body = command("help");
    const res = await slack.send(body, FORM_CONTENT_TYPE, signSlackRequest(SECRET, body, Math.floor(Date.now() / 1000) - 6 * 60));
    expect(res.status).toBe(401);
    expect(seen).toEqual([]);
  });

  it("the form content type must be exact: a charset suffix gets 400", async () => {
    const res = await slack.send(command("help"), `${FORM_CONTENT_TYPE}; charset=utf-8`);
    expect(res.status).toBe(400);
  });

  it("signSlackRequest is Slack's documented v0 scheme", () => {
    // Slack's documentation example: secret 8f742231b10e8888abcd99yyyzzz85a5, timestamp 1531420618.
    const body =
      "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    expect(signSlackRequest(SECRET, body, 1531420618)).toEqual({
      "X-Slack-Signature": "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503",
      "X-Slack-Request-Timestamp": "1531420618",
    });
    const headers = signSlackRequest(SECRET, body, 1531420618);
    const check = { signature: headers["X-Slack-Signature"], timestamp: headers["X-Slack-Request-Timestamp"] };
    expect(verifySlackSignature(SECRET, body, check, 1531420618 + 60)).toBe(true);
    expect(verifySlackSignature(SECRET, `${body}x`, check, 1531420618 + 60)).toBe(false);
    expect(verifySlackSignature(SECRET, body, check, 1531420618 + 301)).toBe(false);
  });
});

describe("forged payloads reach the listener a real request would", () => {
  it("slash command: Slack's fields, and the bot's views.open uses the forged trigger_id", async () => {
    const triggerId = "12345.98765.abcdef0123456789";
    const res = await slack.send(slashCommandBody({ command: "/screening", text: "new", userId: ALICE, triggerId, responseUrl: fake.responseUrl() }));
    expect(res.status).toBe(200);
    expect(seen[0]?.body).toMatchObject({ command: "/screening", text: "new", user_id: ALICE, trigger_id: triggerId, api_app_id: fake.identity.appId, team_id: fake.identity.teamId });
    expect(seen[0]?.botUserId).toBe(fake.identity.botUserId);
    expect(fake.callsTo("auth.test").length).toBeGreaterThan(0);
    expect(fake.callsTo("views.open").at(-1)?.args).toMatchObject({ trigger_id: triggerId, view: { callback_id: "screening_page" } });
  });

  it("block_actions on a channel message carries the message, channel, response_url and the button's text", async () => {
    const posted = await app.client.chat.postMessage({
      channel: COMPLIANCE,
      text: "Escalation",
      blocks: [{ type: "actions", block_id: "decision_actions", elements: [{ type: "button", action_id: "decide_approve", text: plain("Approve"), value: "esc-1" }] }],
    });
    const message = fake.message(COMPLIANCE, posted.ts ?? "");
    if (!message) throw new Error("message not stored");
    const responseUrl = fake.responseUrl(undefined, { channel: COMPLIANCE, ts: message.ts, user: ALICE });
    const res = await slack.send(
      blockActionsBody({ user: ALICE, actions: [{ action_id: "decide_approve", block_id: "decision_actions" }], container: "message", channel: COMPLIANCE, message, responseUrl }),
    );
    expect(res.status).toBe(200);
    expect(seen[0]?.body).toMatchObject({
      type: "block_actions",
      user: { id: ALICE },
      container: { type: "message", message_ts: message.ts, channel_id: COMPLIANCE },
      channel: { id: COMPLIANCE },
      message: { ts: message.ts, text: "Escalation" },
      response_url: responseUrl,
      actions: [{ type: "button", action_id: "decide_approve", block_id: "decision_actions", value: "esc-1", text: plain("Approve") }],
    });
    expect(seen[0]?.body).toHaveProperty("trigger_id", expect.stringMatching(/^\d+\.\d+\.[0-9a-f]+$/));
  });

  it("block_actions inside a modal carries the view and no response_url", async () => {
    const opened = await app.client.views.open({
      trigger_id: "11111.22222.abc",
      view: { ...pageView, blocks: [...pageView.blocks, { type: "actions", block_id: "review_actions", elements: [{ type: "button", action_id: "edit_page", text: plain("Edit"), value: "item" }] }] },
    });
    const view = fake.view(opened.view?.id ?? "");
    if (!view) throw new Error("view not stored");
    await slack.send(blockActionsBody({ user: ALICE, actions: [{ action_id: "edit_page", block_id: "review_actions" }], container: "view", view }));
    expect(seen[0]?.body).toMatchObject({ container: { type: "view", view_id: view.id }, view: { id: view.id, callback_id: "screening_page" }, actions: [{ value: "item" }] });
    expect(seen[0]?.body).not.toHaveProperty("response_url");
  });

  it("view_submission: Bolt sees state.values and the listener's response_action comes back in the HTTP answer", async () => {
    const opened = await app.client.views.open({ trigger_id: "33333.44444.abc", view: pageView });
    const view: FakeView | undefined = fake.view(opened.view?.id ?? "");
    if (!view) throw new Error("view not stored");
    const submit = (value: string) =>
      slack.send(viewSubmissionBody({ user: ALICE, view: { ...view, state: { values: { "q:item": { answer: { type: "plain_text_input", value } } } } } }));

    const refused = await submit("x");
    expect(refused.status).toBe(200);
    expect(refused.json).toEqual({ response_action: "errors", errors: { "q:item": "Name the item (at least 3 characters)." } });
    expect(seen[0]?.body).toMatchObject({ id: view.id, hash: view.hash, private_metadata: pageView.private_metadata });

    const accepted = await submit("IMSI catcher");
    expect(accepted.status).toBe(200);
    expect(accepted.text).toBe("");
    expect(fake.applyResponseAction(view.id, accepted.json)).toEqual({ kind: "closed", viewId: view.id });
  });

  it("view_closed reaches the view_closed listener with the view", async () => {
    const opened = await app.client.views.open({ trigger_id: "55555.66666.abc", view: pageView });
    const view = fake.view(opened.view?.id ?? "");
    if (!view) throw new Error("view not stored");
    const res = await slack.send(viewClosedBody({ user: ALICE, view }));
    expect(res.status).toBe(200);
    expect(seen[0]).toMatchObject({ kind: "closed", body: { type: "view_closed", is_cleared: false, view: { id: view.id, private_metadata: pageView.private_metadata } } });
  });

  it("app_home_opened: the Events API envelope reaches the event listener, which publishes the Home tab", async () => {
    const res = await slack.send(eventBody({ type: "app_home_opened", user: ALICE, tab: "home" }), JSON_CONTENT_TYPE);
    expect(res.status).toBe(200);
    expect(seen[0]?.body).toMatchObject({ type: "app_home_opened", user: ALICE, tab: "home", channel: expect.stringMatching(/^D/) });
    expect(fake.homeOf(ALICE)?.blocks).toHaveLength(1);
  });

  it("url_verification is answered with the challenge", async () => {
    const res = await slack.send(urlVerificationBody("3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"));
    expect(res.json).toEqual({ challenge: "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P" });
  });
});
