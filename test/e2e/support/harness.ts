// End-to-end harness: the real bot (startBot: rules, database, Bolt HTTP app, delivery worker)
// on a free port, its Web API pointed at the project's Slack stand-in, and simulated people
// who send correctly signed, Slack-shaped requests and see what Slack would show them.
import { startBot, type RunningBot } from "../../../src/bot.js";
import { loadConfig, type Config } from "../../../src/config/env.js";
import { RedactingLogger } from "../../../src/log.js";
import { startFakeSlackApi, type FakeSlackApi } from "../../../src/sandbox/slack-api.js";
import type { FakeView } from "../../../src/sandbox/fake-workspace.js";
import { newTriggerId, SlackRequestSender, type SlackHttpResponse, type ViewSubmissionInput } from "../../../src/sandbox/slack-requests.js";
import type { Database } from "../../../src/store/database.js";
import { createTestDatabase } from "../../support/db.js";
import { fillState, type AnswerInput, type StateValues } from "./fill.js";

export const SIGNING_SECRET = "e2eSigningSecret0123456789abcdef";
export const BOT_TOKEN = "xoxb-e2e-0000-fake";
export const COMPLIANCE = "C0COMPLIANCE";
export const APPROVERS = ["UAPPROVER1", "UAPPROVER2", "UAPPROVER3"];

/** The bot's configuration in tests: the shipped rules, Web API calls to `slackApiUrl`, any free port. */
export function testConfig(slackApiUrl: string, env: Record<string, string> = {}): Config {
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slackApiUrl,
    PORT: "0",
    COMPLIANCE_CHANNEL_ID: COMPLIANCE,
    APPROVER_USER_IDS: APPROVERS.join(","),
    RULES_DIR: "rules",
    // Slack's deadline is the load shedder's business (its own tests); on a busy CI machine an
    // end-to-end step may take longer than 2.5 s without anything being wrong
    SLACK_REQUEST_BUDGET_MS: "30000",
    ...env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join("\n"));
  return loaded.config;
}

/** Waits until the outbox has sent everything (10 s at most): what the bot posts after a request is then visible. */
export async function settleDeliveries(db: Database): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const pending = await db.prisma.delivery.count({ where: { status: { in: ["pending", "sending"] } } });
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} deliveries still pending`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

export interface E2E {
  api: FakeSlackApi;
  bot: RunningBot;
  db: Database;
  sender: SlackRequestSender;
  logs: string[];
  /** every answer the bot gave to a request sent through `sender` (acks, response_action bodies), oldest first; startE2E records them */
  replies?: SlackHttpResponse[];
  baseUrl: string;
  person(userId: string): Person;
  /** waits until the outbox has nothing pending */
  settle(): Promise<void>;
  close(): Promise<void>;
}

export async function startE2E(opts: { env?: Record<string, string>; database?: Database } = {}): Promise<E2E> {
  const api = await startFakeSlackApi();
  const db = opts.database ?? (await createTestDatabase());
  const logs: string[] = [];
  const log = new RedactingLogger((line) => logs.push(line));
  const bot = await startBot(testConfig(api.url, opts.env), log, { processBeforeResponse: true, database: db, deliveryPollMs: 50 });
  const baseUrl = `http://127.0.0.1:${bot.port}`;
  const replies: SlackHttpResponse[] = [];
  const sender = new RecordingSender(baseUrl, SIGNING_SECRET, replies);
  const e2e: E2E = {
    api,
    bot,
    db,
    sender,
    logs,
    replies,
    baseUrl,
    person: (userId) => new Person(e2e, userId),
    settle: () => settleDeliveries(db),
    async close() {
      await bot.stop();
      await api.close();
      if (!opts.database) await db.close();
    },
  };
  return e2e;
}

/** Signs and sends like Slack, and keeps what the bot answered (tests that scan everything a person sees). */
class RecordingSender extends SlackRequestSender {
  constructor(
    baseUrl: string,
    signingSecret: string,
    private readonly replies: SlackHttpResponse[],
  ) {
    super(baseUrl, signingSecret);
  }

  override async send(body: string, contentType?: string, extraHeaders: Record<string, string> = {}): Promise<SlackHttpResponse> {
    const reply = await super.send(body, contentType, extraHeaders);
    this.replies.push(reply);
    return reply;
  }
}

export interface ViewJson {
  type?: string;
  callback_id?: string;
  private_metadata?: string;
  title?: { text: string };
  submit?: { text: string };
  blocks?: Array<Record<string, unknown>>;
  [k: string]: unknown;
}

export interface OpenView {
  id: string;
  hash: string;
  view: ViewJson;
}

/** What a forged or replayed submission changes in the view it is sent from. */
export type SubmissionOverride = Partial<{ private_metadata: string; callback_id: string; hash: string }>;

export interface HttpReply {
  status: number;
  text: string;
  json?: unknown;
}

/**
 * One person in the workspace, with the modal they have open. Views live in the Slack
 * stand-in: what the bot returns as a response_action is applied there too, so every view the
 * person sees has passed the stand-in's Block Kit limit checks.
 */
export class Person {
  private viewId: string | null = null;
  /** the trigger_id of this person's last click on a message button (a modal it opens is opened with it) */
  lastTriggerId: string | null = null;

  constructor(
    private readonly e2e: E2E,
    readonly userId: string,
  ) {}

  get view(): OpenView | null {
    if (!this.viewId) return null;
    const v = this.e2e.api.view(this.viewId);
    if (!v) return null;
    return { id: v.id, hash: v.hash, view: toViewJson(v) };
  }

  /** Types a slash command; the modal it opens (if any) becomes this person's open view. */
  async command(text: string): Promise<HttpReply> {
    const responseUrl = this.e2e.api.responseUrl(`cmd-${this.userId}-${Date.now()}-${Math.random()}`);
    const since = this.e2e.api.calls.length;
    const reply = await this.e2e.sender.slashCommand({ command: "/screening", text, userId: this.userId, channelId: "C0GENERAL", responseUrl });
    this.adoptOpenedView(since);
    return reply;
  }

  /** The text the person sees in reply to a command (ephemeral ack or response_url post). */
  lastEphemeralText(reply: HttpReply): string {
    const viaAck = reply.json === undefined ? "" : JSON.stringify(reply.json);
    const responses = this.e2e.api.responses;
    const viaUrl = responses.length > 0 ? JSON.stringify(responses[responses.length - 1]?.body ?? {}) : "";
    return `${viaAck} ${viaUrl}`;
  }

  /** Fills the open page with answers (question id → value) and presses its submit button. */
  async submitPage(answers: Record<string, AnswerInput | undefined>): Promise<HttpReply> {
    return this.submit(fillState(this.requireView().view, answers));
  }

  /** Submits the open view with state values (decision modals, forged input). */
  async submit(values: StateValues, override: SubmissionOverride = {}): Promise<HttpReply> {
    const current = this.requireView();
    const reply = await this.e2e.sender.viewSubmission(this.submission(values, override));
    if (reply.status !== 200) return reply;
    const outcome = this.e2e.api.applyResponseAction(current.id, reply.json ?? {});
    if (outcome.kind === "refused") throw new Error(`Slack would refuse the bot's response: ${outcome.error} ${outcome.messages.join("; ")}`);
    if (outcome.kind === "closed" || outcome.kind === "cleared") this.viewId = null;
    if (outcome.kind === "updated" || outcome.kind === "pushed") this.viewId = outcome.view.id;
    return reply;
  }

  /** The submission of the open view with these state values, as Slack would send it (not sent). */
  submission(values: StateValues, override: SubmissionOverride = {}): ViewSubmissionInput {
    const current = this.requireView();
    return {
      user: this.userId,
      view: {
        ...(this.e2e.api.view(current.id) ?? {}),
        id: current.id,
        callback_id: override.callback_id ?? current.view.callback_id ?? "",
        private_metadata: override.private_metadata ?? current.view.private_metadata ?? "",
        hash: override.hash ?? current.hash,
        state: { values },
      },
    };
  }

  /** Closes the open modal; `values`: what the person had typed in it (the view's state.values), none by default. */
  async closeView(values: StateValues = {}): Promise<HttpReply> {
    const current = this.requireView();
    const fake = this.e2e.api.view(current.id);
    const reply = await this.e2e.sender.viewClosed({
      user: this.userId,
      view: { ...(fake ?? {}), id: current.id, callback_id: current.view.callback_id ?? "", private_metadata: current.view.private_metadata ?? "", hash: current.hash, state: { values } },
    });
    this.viewId = null;
    return reply;
  }

  /**
   * Clicks a button inside the open modal (Back, Edit); the bot updates the view in place.
   * `values`: what the person had typed in the modal, sent as the view's state.values.
   */
  async clickInView(actionId: string, value: string, values?: StateValues): Promise<HttpReply> {
    const current = this.requireView();
    const fake = this.e2e.api.view(current.id);
    return this.e2e.sender.blockActions({
      user: this.userId,
      actions: [{ action_id: actionId, block_id: "nav", value, type: "button" }],
      container: "view",
      view: { ...(fake ?? {}), id: current.id, hash: current.hash },
      ...(values ? { state: { values } } : {}),
    });
  }

  /** Clicks a button on a message (channel message or DM); a modal it opens becomes the open view. */
  async clickMessageButton(channel: string, ts: string, actionId: string, value: string): Promise<HttpReply> {
    const since = this.e2e.api.calls.length;
    const message = this.e2e.api.message(channel, ts);
    const triggerId = newTriggerId();
    this.lastTriggerId = triggerId;
    const reply = await this.e2e.sender.blockActions({
      user: this.userId,
      actions: [{ action_id: actionId, block_id: "actions", value, type: "button" }],
      container: "message",
      channel,
      message: { ...(message ?? {}), ts },
      triggerId,
      responseUrl: this.e2e.api.responseUrl(`btn-${this.userId}-${Date.now()}-${Math.random()}`),
    });
    this.adoptOpenedView(since, triggerId);
    return reply;
  }

  async openHome(): Promise<HttpReply> {
    return this.e2e.sender.event({ type: "app_home_opened", user: this.userId, tab: "home" });
  }

  requireView(): OpenView {
    const v = this.view;
    if (!v) throw new Error(`${this.userId} has no modal open`);
    return v;
  }

  /** The modal this person's request opened (with `triggerId`, when given: another person's modal opened meanwhile is not theirs). */
  private adoptOpenedView(since: number, triggerId?: string): void {
    const opened = this.e2e.api.calls.slice(since).filter((c) => c.method === "views.open" && (triggerId === undefined || c.args.trigger_id === triggerId));
    const call = opened[opened.length - 1];
    if (!call) return;
    const response = call.response as { ok?: boolean; view?: { id?: string } } | undefined;
    if (response?.ok && response.view?.id) this.viewId = response.view.id;
    else throw new Error(`views.open was refused: ${JSON.stringify(call.response)}`);
  }
}

function toViewJson(v: FakeView): ViewJson {
  return JSON.parse(JSON.stringify(v)) as ViewJson;
}
