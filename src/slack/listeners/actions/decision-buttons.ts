// The four decision buttons on an escalation message: check who clicked, then open the
// rationale modal, or tell the clicker (only them) why they may not decide.
import type { App, BlockButtonAction } from "@slack/bolt";
import { DECISION_OUTCOMES } from "../../../domain/approval-policy.js";
import { checkDecision } from "../../../services/decisions.js";
import { buildDecisionModal } from "../../blocks/decision-modal.js";
import type { SlackDeps } from "../../context.js";
import { messageFor, refusalText } from "../../failures.js";
import { ACTION } from "../../ids.js";

export function registerDecisionButtons(app: App, deps: SlackDeps): void {
  const { services } = deps;
  for (const outcome of DECISION_OUTCOMES) {
    app.action<BlockButtonAction>(ACTION.decide[outcome], async ({ ack, body, action, client, respond }) => {
      await ack();
      const userId = body.user.id;
      const escalationId = typeof action.value === "string" ? action.value.slice(0, 64) : "";
      const refuse = async (text: string) => {
        if (body.channel?.id) {
          await client.chat.postEphemeral({ channel: body.channel.id, user: userId, text }).catch(() => respond({ response_type: "ephemeral", replace_original: false, text }));
        } else {
          await respond({ response_type: "ephemeral", replace_original: false, text });
        }
      };
      try {
        const isApprover = await deps.approvers.isApprover(userId);
        const check = await checkDecision(services, { escalationId, actor: { userId, isApprover }, outcome });
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
