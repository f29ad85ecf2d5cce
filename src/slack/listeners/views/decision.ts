// The rationale modal of a decision, submitted.
import type { App } from "@slack/bolt";
import { recordUnreadableForm } from "../../../services/context.js";
import { decideEscalation } from "../../../services/decisions.js";
import type { SlackDeps } from "../../context.js";
import { messageFor, refusalText } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parseDecisionState } from "../../parse/decision-state.js";
import { parseDecisionMetadata } from "../../parse/metadata.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { conditionsErrorBlock } from "../../blocks/decision-modal.js";
import { decisionInputProblems } from "../../../domain/decision-input.js";
import { checkAnswer } from "../../../domain/interview.js";
import { QuestionSchema } from "../../../domain/rule-set.js";

// Rationale and free-text conditions are checked with the same rules as free-text answers
// (length, control characters); what a decision must carry is decisionInputProblems' to say.
const RATIONALE = QuestionSchema.parse({ id: "rationale", type: "free_text", label: "Rationale", source: "-", multiline: true, max_length: 3000, required: false });
const CONDITIONS_TEXT = QuestionSchema.parse({ id: "conditions_text", type: "free_text", label: "Conditions", source: "-", multiline: true, max_length: 3000, required: false });

export function registerDecisionView(app: App, deps: SlackDeps): void {
  const { services } = deps;
  app.view(CALLBACK.decision, async ({ ack, body, view }) => {
    const meta = parseDecisionMetadata(view.private_metadata);
    if (!meta) {
      await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was recorded. Click the button in the channel again.") });
      await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.decision });
      return;
    }
    const state = parseDecisionState(view.state.values);
    const errors: Record<string, string> = {};
    const rationale = checkAnswer(services.ruleSet, RATIONALE, state.rationale);
    if (!rationale.ok) errors[BLOCK.rationale] = rationale.message;
    const conditionsText = checkAnswer(services.ruleSet, CONDITIONS_TEXT, state.conditionsText);
    if (!conditionsText.ok) errors[BLOCK.conditionsText] = conditionsText.message;
    const missing = decisionInputProblems(meta.outcome, {
      rationale: rationale.ok && typeof rationale.value === "string" ? rationale.value : "",
      conditions: state.conditions,
      conditionsText: conditionsText.ok && typeof conditionsText.value === "string" ? conditionsText.value : null,
    });
    if (missing.rationale && !errors[BLOCK.rationale]) errors[BLOCK.rationale] = missing.rationale;
    if (missing.conditions && !errors[BLOCK.conditionsText]) errors[conditionsErrorBlock(services.ruleSet)] = missing.conditions;
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: "errors", errors });
      return;
    }
    try {
      const isApprover = await deps.approvers.isApprover(body.user.id);
      const result = await decideEscalation(services, {
        escalationId: meta.escalationId,
        outcome: meta.outcome,
        actor: { userId: body.user.id, isApprover },
        rationale: rationale.ok && typeof rationale.value === "string" ? rationale.value : "",
        conditions: meta.outcome === "approve_with_conditions" ? state.conditions : [],
        conditionsText: meta.outcome === "approve_with_conditions" && conditionsText.ok && typeof conditionsText.value === "string" ? conditionsText.value : null,
        requestKey: `view:${view.id}:${view.hash}`,
      });
      if (result.kind === "refused") {
        // Field errors are plain text: a mention would show as its raw <@U…> form.
        await ack({ response_action: "errors", errors: { [BLOCK.rationale]: refusalText(result.refusal).replace(/<@([A-Z0-9]+)>/g, "@$1") } });
        return;
      }
      await ack({ response_action: "clear" });
    } catch (err) {
      await ack({ response_action: "errors", errors: { [BLOCK.rationale]: messageFor(err, services.log, "decision", { escalationId: meta.escalationId }) } });
    }
  });
}
