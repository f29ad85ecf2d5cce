// People in the workspace whose every request names the instance it goes to, the way a load
// balancer would spread them. Views, messages and DMs live in the one Slack stand-in that all
// instances talk to. The instances run as production does (the HTTP response is sent before a
// listener finishes), so a modal a command opens is awaited in the stand-in's call log.
import type pg from "pg";
import { z } from "zod";
import type { FakeSlackApi, FakeView } from "../../../src/sandbox/slack-api.js";
import { newTriggerId, type SlackHttpResponse } from "../../../src/sandbox/slack-requests.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { fillState, type AnswerInput, type StateValues } from "../../e2e/support/fill.js";
import type { Instance } from "./instances.js";

const WAIT_MS = 15_000;

const ResponseAction = z.looseObject({ response_action: z.string().optional(), errors: z.record(z.string(), z.string()).optional() });

export class Person {
  private viewId: string | null = null;

  constructor(
    private readonly api: FakeSlackApi,
    readonly userId: string,
  ) {}

  get view(): FakeView | null {
    return this.viewId ? (this.api.view(this.viewId) ?? null) : null;
  }

  requireView(): FakeView {
    const v = this.view;
    if (!v) throw new Error(`${this.userId} has no modal open`);
    return v;
  }

  /** `/screening <text>` for subcommands that answer in the HTTP response (list, status, help). */
  async command(via: Instance, text: string): Promise<SlackHttpResponse> {
    return via.sender.slashCommand({ command: "/screening", text, userId: this.userId, channelId: "C0GENERAL", responseUrl: this.api.responseUrl() });
  }

  /** `/screening new` or `resume`: the instance acknowledges, then opens the modal. */
  async openScreening(via: Instance, text: "new" | "resume"): Promise<void> {
    const triggerId = newTriggerId();
    const since = this.api.calls.length;
    const reply = await via.sender.slashCommand({
      command: "/screening",
      text,
      userId: this.userId,
      channelId: "C0GENERAL",
      responseUrl: this.api.responseUrl(),
      triggerId,
    });
    if (reply.status !== 200) throw new Error(`/screening ${text} via ${via.name}: HTTP ${reply.status}`);
    const call = await this.api.waitFor("views.open", (args) => args.trigger_id === triggerId, { since, timeoutMs: WAIT_MS });
    this.adopt(call.response, via);
    // The modal opens as a placeholder at once; the instance fills it in once the screening is loaded.
    const id = this.viewId;
    await this.api.waitFor("views.update", (args) => args.view_id === id, { since, timeoutMs: WAIT_MS });
  }

  /** Fills the open page with answers (question id → value) and submits it. */
  async submitPage(via: Instance, answers: Record<string, AnswerInput | undefined>): Promise<SlackHttpResponse> {
    return this.submit(via, fillState(this.requireView(), answers));
  }

  /** Submits the open modal; what the instance answers is applied to it as Slack would. */
  async submit(via: Instance, values: StateValues): Promise<SlackHttpResponse> {
    const current = this.requireView();
    const reply = await via.sender.viewSubmission({ user: this.userId, view: { ...current, state: { values } } });
    if (reply.status !== 200) throw new Error(`view submission via ${via.name}: HTTP ${reply.status} ${reply.text}`);
    const outcome = this.api.applyResponseAction(current.id, reply.json ?? {});
    if (outcome.kind === "refused") throw new Error(`Slack would refuse ${via.name}'s response: ${outcome.error} ${outcome.messages.join("; ")}`);
    if (outcome.kind === "closed" || outcome.kind === "cleared") this.viewId = null;
    if (outcome.kind === "updated" || outcome.kind === "pushed") this.viewId = outcome.view.id;
    return reply;
  }

  async closeView(via: Instance): Promise<void> {
    const current = this.requireView();
    const reply = await via.sender.viewClosed({ user: this.userId, view: current });
    if (reply.status !== 200) throw new Error(`view_closed via ${via.name}: HTTP ${reply.status}`);
    this.viewId = null;
  }

  /**
   * Clicks a button on a channel message. Resolves when the instance has opened a modal (then
   * the person's open view) or told the person why not. A decision button's modal opens at once
   * and then becomes the decision form ("opened") or the reason the person may not decide
   * ("refused"); only if the modal could not open is the refusal sent ephemerally.
   */
  async clickMessageButton(via: Instance, channel: string, ts: string, actionId: string, value: string): Promise<"opened" | "refused"> {
    const triggerId = newTriggerId();
    const since = this.api.calls.length;
    const reply = await via.sender.blockActions({
      user: this.userId,
      actions: [{ action_id: actionId, block_id: "actions", value, type: "button" }],
      container: "message",
      channel,
      message: { ...(this.api.message(channel, ts) ?? {}), ts },
      responseUrl: this.api.responseUrl(),
      triggerId,
    });
    if (reply.status !== 200) throw new Error(`button via ${via.name}: HTTP ${reply.status}`);
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const calls = this.api.calls.slice(since);
      const opened = calls.find((c) => c.method === "views.open" && c.args.trigger_id === triggerId);
      if (opened) {
        this.adopt(opened.response, via);
        const id = this.viewId;
        if (this.requireView().callback_id !== CALLBACK.decision) return "opened";
        await this.api.waitFor("views.update", (args) => args.view_id === id, { since, timeoutMs: WAIT_MS });
        return this.requireView().callback_id === CALLBACK.decision ? "opened" : "refused";
      }
      if (calls.some((c) => c.method === "chat.postEphemeral" && c.args.user === this.userId)) return "refused";
      if (Date.now() > deadline) throw new Error(`${via.name} neither opened a modal nor refused ${this.userId}'s click`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Answers every page with the scenario's answers, sending page i to via(i); stops at the review. */
  async answerAllPages(via: (i: number) => Instance, answers: Record<string, AnswerInput>, maxPages = 40): Promise<number> {
    for (let i = 0; i < maxPages; i++) {
      if (this.requireView().callback_id !== CALLBACK.page) return i;
      const reply = await this.submitPage(via(i), answers);
      const action = ResponseAction.safeParse(reply.json);
      if (action.success && action.data.response_action === "errors") throw new Error(`page refused: ${JSON.stringify(action.data.errors)}`);
    }
    if (this.requireView().callback_id === CALLBACK.page) throw new Error("the interview did not reach the review");
    return maxPages;
  }

  /** Submits the review; returns the reference shown in the result. */
  async submitReview(via: Instance): Promise<string> {
    const review = this.requireView();
    if (review.callback_id !== CALLBACK.review) throw new Error(`expected the review, got ${review.callback_id}`);
    const reply = await this.submit(via, {});
    const ref = /DD-\d{4}-\d{4,}/.exec(JSON.stringify(reply.json ?? {}))?.[0];
    if (!ref) throw new Error(`no reference in the result view: ${reply.text.slice(0, 300)}`);
    return ref;
  }

  private adopt(response: unknown, via: Instance): void {
    const parsed = z.object({ ok: z.literal(true), view: z.object({ id: z.string() }) }).safeParse(response);
    if (!parsed.success) throw new Error(`views.open from ${via.name} was refused: ${JSON.stringify(response)}`);
    this.viewId = parsed.data.view.id;
  }
}

/** The state a decision modal sends with a rationale. */
export function rationaleState(text: string): StateValues {
  return { [BLOCK.rationale]: { [ACTION.rationale]: { type: "plain_text_input", value: text } } };
}

export function responseActionOf(reply: SlackHttpResponse): z.infer<typeof ResponseAction> {
  return ResponseAction.parse(reply.json ?? {});
}

/** Waits until the outbox has nothing pending or being sent. */
export async function settle(db: pg.Client, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await db.query<{ n: string }>("SELECT count(*) AS n FROM deliveries WHERE status IN ('pending', 'sending')");
    const pending = Number(rows[0]?.n ?? 0);
    if (pending === 0) return;
    if (Date.now() > deadline) throw new Error(`${pending} deliveries still pending after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Alternates between instances: request i goes to instances[(offset + i) % n]. */
export function alternate(instances: readonly Instance[], offset = 0): (i: number) => Instance {
  return (i) => {
    const instance = instances[(offset + i) % instances.length];
    if (!instance) throw new Error("no instances");
    return instance;
  };
}
