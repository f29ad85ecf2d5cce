// A click on a decision button, as the approver sees it: the decision modal opens at once (it
// needs nothing but the button), then becomes either the decision form naming the screening or,
// when the clicker may not decide, a "Cannot decide" notice with the reason. Every click is
// checked for that shape here, so the tests only say which of the two they expect.
import { expect } from "vitest";
import type { DecisionOutcome } from "../../../src/domain/approval-policy.js";
import { ACTION, CALLBACK } from "../../../src/slack/ids.js";
import { parseDecisionMetadata } from "../../../src/slack/parse/metadata.js";
import { COMPLIANCE, type E2E, type HttpReply, type Person, type ViewJson } from "./harness.js";

export type DecisionClick =
  | { kind: "form"; person: Person; reply: HttpReply; view: ViewJson }
  | { kind: "refused"; person: Person; reply: HttpReply; view: ViewJson; title: string; notice: string };

/** The title a refused click's modal turns into. */
export const CANNOT_DECIDE = "Cannot decide";

/**
 * `person` clicks the `outcome` button of the escalation message at `ts`. Checks that the modal
 * opened with this click's trigger (so only the clicker sees it) as the decision form for this
 * escalation and outcome, that it was then updated once, in place, and that nothing was posted
 * to the clicker ephemerally; says what the modal became.
 */
export async function clickDecision(e2e: E2E, person: Person, ts: string, outcome: DecisionOutcome, escalationId: string, channel = COMPLIANCE): Promise<DecisionClick> {
  const since = e2e.api.calls.length;
  const reply = await person.clickMessageButton(channel, ts, ACTION.decide[outcome], escalationId);
  expect(reply.status).toBe(200);
  const calls = e2e.api.calls.slice(since);

  const opens = calls.filter((c) => c.method === "views.open" && c.args.trigger_id === person.lastTriggerId);
  expect(opens, "one views.open with the click's trigger").toHaveLength(1);
  const open = opens[0]!;
  const opened = (open.response as { ok?: boolean; view?: { id?: string; callback_id?: string; private_metadata?: string } } | undefined)?.view;
  expect(opened?.callback_id).toBe(CALLBACK.decision);
  expect(parseDecisionMetadata(opened?.private_metadata)).toEqual({ escalationId, outcome });
  const viewId = String(opened?.id);
  expect(person.requireView().id).toBe(viewId);

  // then exactly one update of that modal, after it opened
  const updates = calls.filter((c) => c.method === "views.update" && c.args.view_id === viewId);
  expect(updates, "one views.update of the modal the click opened").toHaveLength(1);
  expect(calls.indexOf(updates[0]!)).toBeGreaterThan(calls.indexOf(open));
  expect((updates[0]!.response as { ok?: boolean } | undefined)?.ok).toBe(true);
  // the modal opened, so nothing goes to the clicker any other way
  expect(calls.filter((c) => c.method === "chat.postEphemeral" && c.args.user === person.userId)).toEqual([]);

  const view = person.requireView().view;
  if (view.callback_id === CALLBACK.decision) {
    // still the same escalation and outcome, now naming the screening
    expect(parseDecisionMetadata(view.private_metadata)).toEqual({ escalationId, outcome });
    expect(JSON.stringify(view.blocks ?? [])).toMatch(/DD-\d{4}-\d{4,}/);
    return { kind: "form", person, reply, view };
  }
  const title = String(view.title?.text ?? "");
  expect(title).toBe(CANNOT_DECIDE);
  // a notice: no form to submit
  expect(view.submit).toBeUndefined();
  expect((view.blocks ?? []).some((b) => b.type === "input")).toBe(false);
  return { kind: "refused", person, reply, view, title, notice: noticeText(view) };
}

/** What a notice modal says, as plain text (its section texts, HTML entities undone). */
export function noticeText(view: ViewJson): string {
  const texts = (view.blocks ?? []).map((b) => String((b as { text?: { text?: string } }).text?.text ?? ""));
  return texts.join("\n").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

/** Expects the click to have been refused; returns the notice's text. */
export function refusedWith(click: DecisionClick): string {
  if (click.kind !== "refused") throw new Error(`expected the click to be refused, but the decision form opened: ${JSON.stringify(click.view.blocks?.[0] ?? {}).slice(0, 200)}`);
  return click.notice;
}
