// Use cases of compliance approvers: check whether someone may decide (before opening the
// rationale modal), and record a decision (load → domain/decision-commands.ts → commit).
import { randomUUID } from "node:crypto";
import { canDecide, type Decider, type DecisionEffect, type DecisionOutcome, type Refusal } from "../domain/approval-policy.js";
import { decideEscalationCommand, escalationView } from "../domain/decision-commands.js";
import { authorisationOf, decisionInputProblems, type AuthorisationInput } from "../domain/decision-input.js";
import type { EscalationRecord, ScreeningDetail } from "../domain/records.js";
import { appendAudit, loadAggregate } from "../store/aggregate.js";
import { onAggregate, type ServiceContext, type Step } from "./context.js";
import { ServiceError } from "./errors.js";

/** Who decides, with their roles (approver, hard-stop approver) as the approver directory knows them. */
export type Actor = Decider;

export type DecisionCheck =
  | { ok: true; escalation: EscalationRecord; reference: string }
  | { ok: false; refusal: Refusal; reference?: string | undefined };

/** Whether `actor` may take `outcome` on this escalation now (one read). Refusals are audited. */
export async function checkDecision(ctx: ServiceContext, args: { escalationId: string; actor: Actor; outcome: DecisionOutcome }): Promise<DecisionCheck> {
  const loaded = await loadAggregate(ctx.sql, { escalationId: args.escalationId });
  const escalation = loaded?.state.escalation;
  if (!loaded || !escalation) {
    await auditRefusal(ctx, null, args.actor.userId, { escalationId: args.escalationId.slice(0, 64), outcome: args.outcome, code: "unknown_escalation" });
    return { ok: false, refusal: { code: "not_approver", message: "That escalation does not exist. Nothing was changed." } };
  }
  const { state } = loaded;
  const check = canDecide(args.actor, escalationView(state, escalation), args.outcome);
  if (!check.ok) {
    await auditRefusal(ctx, state.screening.id, args.actor.userId, { escalationId: escalation.id, outcome: args.outcome, code: check.refusal.code });
    return { ok: false, refusal: check.refusal, reference: state.screening.reference };
  }
  return { ok: true, escalation, reference: state.screening.reference };
}

export interface DecisionInput {
  escalationId: string;
  outcome: DecisionOutcome;
  actor: Actor;
  rationale: string;
  conditions: string[];
  conditionsText: string | null;
  /** "Approve under authorisation" only: the licence or authorisation, as entered */
  authorisation?: AuthorisationInput | null | undefined;
  requestKey: string;
}

export type DecideResult =
  | { kind: "recorded"; effect: DecisionEffect; decisionId: string; detail: ScreeningDetail }
  | { kind: "refused"; refusal: Refusal }
  | { kind: "duplicate" };

export async function decideEscalation(ctx: ServiceContext, input: DecisionInput): Promise<DecideResult> {
  // The modal asks for the same (domain/decision-input.ts); a forged or stale form gets no further.
  const checkedAt = ctx.now();
  const problems = decisionInputProblems(input.outcome, input, checkedAt);
  const problem =
    problems.rationale ??
    problems.conditions ??
    problems.authorisationReference ??
    problems.authorisationIssuer ??
    problems.authorisationIssuerName ??
    problems.authorisationIssuedOn;
  if (problem) throw new ServiceError("incomplete", `${problem} Nothing was recorded.`);
  const carriesConditions = input.outcome === "approve_with_conditions" || input.outcome === "approve_under_authorisation";
  if (!carriesConditions && (input.conditions.length > 0 || input.conditionsText)) {
    throw new ServiceError("incomplete", 'Only "Approve with conditions" and "Approve under authorisation" carry conditions. Nothing was recorded.');
  }
  if (input.outcome !== "approve_under_authorisation" && input.authorisation) {
    throw new ServiceError("incomplete", "Only \"Approve under authorisation\" carries a licence or authorisation. Nothing was recorded.");
  }
  const authorisation = input.outcome === "approve_under_authorisation" ? authorisationOf(input.authorisation ?? {}, checkedAt) : null;
  const knownConditions = new Set(ctx.ruleSet.riskModel.approval_conditions.map((c) => c.id));
  const decisionId = randomUUID();
  return onAggregate<DecideResult>(ctx, {
    key: { escalationId: input.escalationId },
    requestKey: input.requestKey,
    actorId: input.actor.userId,
    missing: () => ({
      code: "not_found",
      message: "That escalation does not exist. Nothing was changed.",
      audit: { type: "decision.refused", data: { escalationId: input.escalationId.slice(0, 64), outcome: input.outcome, code: "unknown_escalation" } },
    }),
    replay: () => ({ kind: "duplicate" }),
    decide: async (state): Promise<Step<DecideResult>> => {
      const decided = decideEscalationCommand(state, { ...input, authorisation, knownConditions, decisionId, now: ctx.now() });
      if (decided.kind === "invalid") return { refuse: decided.refusal, actorId: input.actor.userId };
      if (decided.kind === "refused") {
        await appendAudit(ctx.sql, [{ ...decided.audit, screeningId: state.screening.id }], ctx.now());
        return { done: { kind: "refused", refusal: decided.refusal } };
      }
      return {
        commit: decided.change,
        answer: (after) => ({ kind: "recorded", effect: decided.effect, decisionId, detail: { screening: after.screening, answers: after.answers, escalation: after.escalation } }),
      };
    },
  });
}

async function auditRefusal(ctx: ServiceContext, screeningId: string | null, actorId: string, data: Record<string, string>): Promise<void> {
  await appendAudit(ctx.sql, [{ screeningId, actorId, type: "decision.refused", data }], ctx.now());
}
