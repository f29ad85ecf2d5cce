// A person talking to a bot that answers Slack before its listener has finished (the default
// outside tests: processBeforeResponse off), as the bot process does: a modal opened by a
// command or a button arrives as a views.open call after the HTTP reply, so the person waits
// for it. Open modals live in the fake Slack, so a person keeps theirs across bot restarts.
import type { FakeSlackApi } from "../../../src/sandbox/slack-api.js";
import { newTriggerId, type SlackRequestSender } from "../../../src/sandbox/slack-requests.js";
import { CALLBACK } from "../../../src/slack/ids.js";
import { noticeText } from "../../e2e/support/decisions.js";
import { fillState, type AnswerInput, type StateValues } from "../../e2e/support/fill.js";
import type { HttpReply, OpenView, ViewJson } from "../../e2e/support/harness.js";

export class RemotePerson {
  private viewId: string | null = null;
  /** the trigger_id of this person's last click on a message button */
  lastTriggerId: string | null = null;

  constructor(
    private readonly api: FakeSlackApi,
    /** the running bot's sender; a function, because the bot may have been restarted since */
    private readonly sender: () => SlackRequestSender,
    readonly userId: string,
  ) {}

  get view(): OpenView | null {
    const v = this.viewId ? this.api.view(this.viewId) : undefined;
    if (!v) return null;
    const view = JSON.parse(JSON.stringify(v)) as ViewJson;
    return { id: v.id, hash: v.hash, view };
  }

  requireView(): OpenView {
    const v = this.view;
    if (!v) throw new Error(`${this.userId} has no modal open`);
    return v;
  }

  /** Types /screening <text>; waits for the modal it opens when `opensModal`. */
  async command(text: string, opensModal = true): Promise<HttpReply> {
    const since = this.api.calls.length;
    const reply = await this.sender().slashCommand({ command: "/screening", text, userId: this.userId, channelId: "C0GENERAL", responseUrl: this.api.responseUrl() });
    if (opensModal) await this.adoptOpened(since);
    return reply;
  }

  async clickMessageButton(channel: string, ts: string, actionId: string, value: string, opensModal = true): Promise<HttpReply> {
    const since = this.api.calls.length;
    const message = this.api.message(channel, ts);
    const triggerId = newTriggerId();
    this.lastTriggerId = triggerId;
    const reply = await this.sender().blockActions({
      user: this.userId,
      actions: [{ action_id: actionId, block_id: "actions", value, type: "button" }],
      container: "message",
      channel,
      message: { ...(message ?? {}), ts },
      triggerId,
      responseUrl: this.api.responseUrl(),
    });
    if (opensModal) await this.adoptOpened(since, triggerId);
    return reply;
  }

  /**
   * Clicks a decision button. The decision modal opens at once, then becomes the decision form
   * or, refused, a notice with the reason; only if Slack did not open it is the refusal sent
   * ephemerally. Says which, with the text the person was shown.
   */
  async clickDecisionButton(channel: string, ts: string, actionId: string, value: string): Promise<{ kind: "form" } | { kind: "refused"; via: "notice" | "ephemeral"; text: string }> {
    const since = this.api.calls.length;
    await this.clickMessageButton(channel, ts, actionId, value, false);
    const triggerId = this.lastTriggerId;
    const answered = await Promise.race([
      this.api.waitFor("views.open", (args) => args.trigger_id === triggerId, { since, timeoutMs: 15_000 }),
      this.api.waitFor("chat.postEphemeral", (args) => args.user === this.userId, { since, timeoutMs: 15_000 }),
    ]);
    if (answered.method === "chat.postEphemeral") return { kind: "refused", via: "ephemeral", text: JSON.stringify(answered.args) };
    await this.adoptOpened(since, triggerId ?? undefined);
    const view = this.requireView().view;
    if (view.callback_id === CALLBACK.decision) return { kind: "form" };
    return { kind: "refused", via: "notice", text: noticeText(view) };
  }

  /** The submission of the open view, built but not sent (to send it at a chosen moment). */
  submission(values: StateValues) {
    const current = this.requireView();
    return {
      user: this.userId,
      view: { ...(this.api.view(current.id) ?? {}), id: current.id, callback_id: current.view.callback_id ?? "", private_metadata: current.view.private_metadata ?? "", hash: current.hash, state: { values } },
    };
  }

  pageSubmission(answers: Record<string, AnswerInput | undefined>) {
    return this.submission(fillState(this.requireView().view, answers));
  }

  async submitPage(answers: Record<string, AnswerInput | undefined>): Promise<HttpReply> {
    return this.submit(fillState(this.requireView().view, answers));
  }

  async submit(values: StateValues): Promise<HttpReply> {
    const current = this.requireView();
    const reply = await this.sender().viewSubmission(this.submission(values));
    if (reply.status !== 200) return reply;
    const outcome = this.api.applyResponseAction(current.id, reply.json ?? {});
    if (outcome.kind === "refused") throw new Error(`Slack would refuse the bot's response: ${outcome.error}`);
    if (outcome.kind === "closed" || outcome.kind === "cleared") this.viewId = null;
    if (outcome.kind === "updated" || outcome.kind === "pushed") this.viewId = outcome.view.id;
    return reply;
  }

  /** Answers every page shown with `answers` until the review (or anything that is not a page). */
  async answerAllPages(answers: Record<string, AnswerInput>, pageCallbackId: string): Promise<string[]> {
    const pages: string[] = [];
    for (let i = 0; i < 40; i++) {
      const view = this.requireView().view;
      if (view.callback_id !== pageCallbackId) return pages;
      pages.push(String(JSON.parse(view.private_metadata ?? "{}").p));
      const reply = await this.submitPage(answers);
      const ack = reply.json as { response_action?: string; errors?: unknown } | undefined;
      if (ack?.response_action === "errors") throw new Error(`page ${pages.at(-1)} refused: ${JSON.stringify(ack.errors)}`);
    }
    throw new Error("the interview did not reach the review");
  }

  /** The modal this person's request opened (with `triggerId`, when given), once the bot has filled it in. */
  private async adoptOpened(since: number, triggerId?: string): Promise<void> {
    const call = await this.api.waitFor("views.open", (args) => triggerId === undefined || args.trigger_id === triggerId, { since, timeoutMs: 15_000 });
    const response = call.response as { ok?: boolean; view?: { id?: string; callback_id?: string } } | undefined;
    if (!response?.ok || !response.view?.id) throw new Error(`views.open was refused: ${JSON.stringify(call.response)}`);
    const id = response.view.id;
    // An interview modal opens as a placeholder and is filled in once the screening is loaded; a
    // decision modal opens from the button alone and becomes the form or the refusal once the
    // approver is checked.
    if (response.view.callback_id === CALLBACK.loading || response.view.callback_id === CALLBACK.decision) {
      await this.api.waitFor("views.update", (args) => args.view_id === id, { since, timeoutMs: 15_000 });
    }
    this.viewId = id;
  }
}
