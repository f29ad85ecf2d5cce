// The decision buttons on an escalation message (Approve under authorisation instead of the
// two plain approvals on a hard stop): check who clicked, then open the decision modal, or tell
// the clicker (only them) why they may not decide. A forged plain Approve on a hard stop is
// refused and audited like any other refusal.
import type { App, BlockButtonAction } from "@slack/bolt";
import { DECISION_OUTCOMES } from "../../../domain/approval-policy.js";
import { checkDecision } from "../../../services/decisions.js";
import { buildDecisionModal } from "../../blocks/decision-modal.js";
import type { SlackDeps } from "../../context.js";
import { privateReplier } from "../../private-reply.js";
import { messageFor, refusalText } from "../../failures.js";
import { ACTION } from "../../ids.js";

export function registerDecisionButtons(app: App, deps: SlackDeps): void {
  const { services } = deps;
  for (const outcome of DECISION_OUTCOMES) {
    app.action<BlockButtonAction>(ACTION.decide[outcome], async ({ ack, body, action, client, respond }) => {
      await ack();
      const userId = body.user.id;
      const escalationId = typeof action.value === "string" ? action.value.slice(0, 64) : "";
      const refuse = privateReplier(body, client, respond);
      try {
        const actor = await deps.approvers.decider(userId);
        const check = await checkDecision(services, { escalationId, actor, outcome });
        if (!check.ok) {
          await refuse(`${check.reference ? `${check.reference}: ` : ""}${refusalText(check.refusal)}`);
          return;
        }
        await client.views.open({
          trigger_id: body.trigger_id,
          view: buildDecisionModal({ ruleSet: services.ruleSet, escalationId: check.escalation.id, reference: check.reference, outcome }),
        });
      } catch (err) {
        await refuse(messageFor(err, services.log, "decision button", { escalationId })).catch(() => undefined);
      }
    });
  }
}
