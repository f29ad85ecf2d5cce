// The decision buttons on an escalation message (Approve under authorisation instead of the
// two plain approvals on a hard stop). The decision modal opens at once, before any database
// work (Slack's trigger id dies about 3 s after the click, and it needs nothing but the button:
// the escalation id and the outcome). Then who clicked is checked (checkDecision, which audits
// every refusal): allowed, the modal is updated to name the screening (what was typed meanwhile
// is kept: same blocks); refused, the modal is replaced by the reason. If Slack did not open the
// modal, the refusal (or "click again") is sent to the clicker alone. A forged plain Approve on
// a hard stop is refused and audited like any other refusal; the submission is checked again.
import type { DecisionOutcome } from "../../../domain/approval-policy.js";
import type { EscalationId } from "../../../domain/ids.js";
import { recordUnreadableForm } from "../../../services/context.js";
import { checkDecision } from "../../../services/decisions.js";
import { describeError } from "../../../log-safe.js";
import { buildDecisionModal } from "../../blocks/decision-modal.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import type { SlackDeps } from "../../context.js";
import { clickMessageFor, plainMentions, refusalText } from "../../failures.js";
import { ACTION, decisionOutcomeForAction } from "../../ids.js";
import { buttonEscalationId } from "../../parse/ids.js";
import { privateReplier } from "../../private-reply.js";
import { withoutDeadline } from "../middleware.js";
import type { ActionRegistration, ButtonArgs, Listener } from "../types.js";

const NOT_OPENED = "Slack did not open the decision form (the click had expired). Click the button again.";

export const handleDecisionButton: Listener<ButtonArgs> = async ({ ack, body, action, client, respond }, deps) => {
  const { services } = deps;
  await ack();
  const outcome = decisionOutcomeForAction(action.action_id);
  if (!outcome) return;
  const userId = body.user.id;
  const tellPrivately = privateReplier(body, client, respond);
  const escalationId = buttonEscalationId(action.value);
  if (!escalationId) {
    await recordUnreadableForm(services, { actorId: userId, form: action.action_id });
    await tellPrivately("This button could not be read. Nothing was changed: use the buttons on the escalation message.").catch(() => undefined);
    return;
  }

  const opened = await openDecisionModal(client, deps, { triggerId: body.trigger_id, escalationId, outcome });
  // What the clicker is told when they may not decide (or something failed): in the modal when
  // it opened, else privately in the channel.
  const tell = async (title: string, text: string) => {
    if (opened && (await replaceModal(client, deps, opened, buildNoticeModal(title, plainMentions(text))))) return;
    await tellPrivately(text).catch(() => undefined);
  };

  try {
    const actor = await deps.approvers.decider(userId);
    // No deadline from here: Slack has its acknowledgement and the modal is open (open-first.ts).
    const check = await withoutDeadline(() => checkDecision(services, { escalationId, actor, outcome }));
    if (!check.ok) {
      await tell("Cannot decide", `${check.reference ? `${check.reference}: ` : ""}${refusalText(check.refusal)}`);
      return;
    }
    if (!opened) {
      await tellPrivately(NOT_OPENED).catch(() => undefined);
      return;
    }
    await replaceModal(client, deps, opened, buildDecisionModal({ ruleSet: services.ruleSet, escalationId, reference: check.reference, outcome }));
  } catch (err) {
    await tell("Cannot decide", clickMessageFor(err, services.log, "decision button", { escalationId }));
  }
};

interface OpenedView {
  id: string;
  hash?: string | undefined;
}

/** The decision modal as the button alone gives it (no reference yet); undefined if Slack did not open it. */
async function openDecisionModal(
  client: ButtonArgs["client"],
  deps: SlackDeps,
  args: { triggerId: string; escalationId: EscalationId; outcome: DecisionOutcome },
): Promise<OpenedView | undefined> {
  try {
    const res = await client.views.open({
      trigger_id: args.triggerId,
      view: buildDecisionModal({ ruleSet: deps.services.ruleSet, escalationId: args.escalationId, reference: "", outcome: args.outcome }),
    });
    return res.view?.id ? { id: res.view.id, hash: res.view.hash } : undefined;
  } catch (err) {
    deps.services.log.warn("views.open failed", { context: "decision button", error: describeError(err) });
    return undefined;
  }
}

/**
 * views.update of the modal just opened, hash-checked (a view replaced meanwhile is left alone).
 * False when Slack refused: most often the person already closed or submitted it.
 */
async function replaceModal(client: ButtonArgs["client"], deps: SlackDeps, opened: OpenedView, view: ReturnType<typeof buildNoticeModal>): Promise<boolean> {
  try {
    await client.views.update({ view_id: opened.id, ...(opened.hash ? { hash: opened.hash } : {}), view });
    return true;
  } catch (err) {
    deps.services.log.info("views.update of the decision modal failed", { error: describeError(err) });
    return false;
  }
}

export const registrations: ActionRegistration[] = Object.values(ACTION.decide).map((actionId) => ({ actionId, listener: handleDecisionButton }));
