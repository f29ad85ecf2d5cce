// The decision modal, submitted: rationale, conditions and (Approve under authorisation) the
// licence or authorisation. Field errors on the block concerned; nothing is recorded until every
// field is right. A "busy" refusal (the request waited past its budget; nothing was recorded)
// is a field error like any other: the form stays as typed, to submit again.
import { recordUnreadableForm } from "../../../services/context.js";
import { decideEscalation } from "../../../services/decisions.js";
import { messageFor, plainMentions, refusalText } from "../../failures.js";
import { BLOCK, CALLBACK } from "../../ids.js";
import { parseDecisionState } from "../../parse/decision-state.js";
import { parseDecisionMetadata } from "../../parse/metadata.js";
import { buildNoticeModal } from "../../blocks/notice-modal.js";
import { conditionsErrorBlock } from "../../blocks/decision-modal.js";
import { AUTHORISATION_REFERENCE_MAX, AUTHORITY_NAME_MAX, decisionInputProblems, type AuthorisationInput } from "../../../domain/decision-input.js";
import { checkAnswer, type AnswerCheck } from "../../../domain/interview.js";
import { QuestionSchema } from "../../../domain/rule-set.js";
import type { Listener, ViewRegistration, ViewSubmitArgs } from "../types.js";

// Rationale, free-text conditions and the authorisation's text fields are checked with the same
// rules as free-text answers (length, control characters, one line where asked); what a decision
// must carry is decisionInputProblems' to say.
const freeText = (id: string, label: string, maxLength: number, multiline: boolean) =>
  QuestionSchema.parse({ id, type: "free_text", label, source: "-", multiline, max_length: maxLength, required: false });
const RATIONALE = freeText("rationale", "Rationale", 3000, true);
const CONDITIONS_TEXT = freeText("conditions_text", "Conditions", 3000, true);
const AUTHORISATION_REFERENCE = freeText("authorisation_reference", "Licence or authorisation number", AUTHORISATION_REFERENCE_MAX, false);
const AUTHORITY_NAME = freeText("authorisation_issuer_name", "Name of the issuing authority", AUTHORITY_NAME_MAX, false);

const textOf = (check: AnswerCheck): string | null => (check.ok && typeof check.value === "string" ? check.value : null);

export const handleDecisionSubmission: Listener<ViewSubmitArgs> = async ({ ack, body, view }, deps) => {
  const { services } = deps;
  const meta = parseDecisionMetadata(view.private_metadata);
  if (!meta) {
    await ack({ response_action: "update", view: buildNoticeModal("Form expired", "This form could not be read. Nothing was recorded. Click the button in the channel again.") });
    await recordUnreadableForm(services, { actorId: body.user.id, form: CALLBACK.decision });
    return;
  }
  const state = parseDecisionState(view.state.values);
  const errors: Record<string, string> = {};
  const checked = (block: string, check: AnswerCheck): string | null => {
    if (!check.ok) errors[block] = check.message;
    return textOf(check);
  };
  const rationale = checked(BLOCK.rationale, checkAnswer(services.ruleSet, RATIONALE, state.rationale));
  const conditionsText = checked(BLOCK.conditionsText, checkAnswer(services.ruleSet, CONDITIONS_TEXT, state.conditionsText));
  const withConditions = meta.outcome === "approve_with_conditions" || meta.outcome === "approve_under_authorisation";
  const underAuthorisation = meta.outcome === "approve_under_authorisation";
  const authorisation: AuthorisationInput | null = underAuthorisation
    ? {
        reference: checked(BLOCK.authorisationReference, checkAnswer(services.ruleSet, AUTHORISATION_REFERENCE, state.authorisationReference)),
        issuer: state.authorisationIssuer ?? null,
        issuerName: checked(BLOCK.authorisationIssuerName, checkAnswer(services.ruleSet, AUTHORITY_NAME, state.authorisationIssuerName)),
        issuedOn: state.authorisationIssuedOn ?? null,
      }
    : null;
  const missing = decisionInputProblems(
    meta.outcome,
    { rationale: rationale ?? "", conditions: state.conditions, conditionsText, authorisation },
    services.now(),
  );
  // A field whose text was refused keeps that message: it says what to fix first.
  if (missing.conditions && !errors[BLOCK.conditionsText]) errors[conditionsErrorBlock(services.ruleSet)] ??= missing.conditions;
  const byBlock: Array<[string, string | undefined]> = [
    [BLOCK.rationale, missing.rationale],
    [BLOCK.authorisationReference, missing.authorisationReference],
    [BLOCK.authorisationIssuer, missing.authorisationIssuer],
    [BLOCK.authorisationIssuerName, missing.authorisationIssuerName],
    [BLOCK.authorisationIssuedOn, missing.authorisationIssuedOn],
  ];
  for (const [block, message] of byBlock) if (message) errors[block] ??= message;
  if (Object.keys(errors).length > 0) {
    await ack({ response_action: "errors", errors });
    return;
  }
  try {
    const actor = await deps.approvers.decider(body.user.id);
    const result = await decideEscalation(services, {
      escalationId: meta.escalationId,
      outcome: meta.outcome,
      actor,
      rationale: rationale ?? "",
      conditions: withConditions ? state.conditions : [],
      conditionsText: withConditions ? conditionsText : null,
      authorisation,
      requestKey: `view:${view.id}:${view.hash}`,
    });
    if (result.kind === "refused") {
      // Field errors are plain text: a mention would show as its raw <@U…> form.
      const text = plainMentions(refusalText(result.refusal));
      await ack({ response_action: "errors", errors: { [BLOCK.rationale]: text } });
      return;
    }
    await ack({ response_action: "clear" });
  } catch (err) {
    await ack({ response_action: "errors", errors: { [BLOCK.rationale]: messageFor(err, services.log, "decision", { escalationId: meta.escalationId }) } });
  }
};

export const registrations: ViewRegistration[] = [{ callbackId: CALLBACK.decision, type: "view_submission", listener: handleDecisionSubmission }];
