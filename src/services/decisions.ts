// Use cases of compliance approvers: check whether someone may decide (before opening the
// rationale modal), and record a decision.
import { applyDecision, canDecide, hasHardStop, type Decider, type DecisionEffect, type DecisionOutcome, type EscalationView, type Refusal } from "../domain/approval-policy.js";
import { authorisationOf, decisionInputProblems, type AuthorisationInput } from "../domain/decision-input.js";
import type { EscalationRecord, ScreeningDetail } from "../domain/records.js";
import { nextStatus, type ScreeningEvent } from "../domain/screening.js";
import { appendAuditEvent } from "../store/audit.js";
import { enqueueDelivery } from "../store/deliveries.js";
import { findEscalation, insertDecision, updateEscalationIfUnchanged } from "../store/escalations.js";
import { claimRequestKey, requestSeen } from "../store/requests.js";
import type { Db } from "../store/types.js";
import { inTransaction, LostRace, type ServiceContext } from "./context.js";
import { DuplicateRequest, ServiceError } from "./errors.js";
import { loadScreening } from "./queries.js";

/** Who decides, with their roles (approver, hard-stop approver) as the approver directory knows them. */
export type Actor = Decider;

export type DecisionCheck =
  | { ok: true; escalation: EscalationRecord; reference: string }
  | { ok: false; refusal: Refusal; reference?: string | undefined };

/** Whether `actor` may take `outcome` on this escalation now. Refusals are audited. */
export async function checkDecision(ctx: ServiceContext, args: { escalationId: string; actor: Actor; outcome: DecisionOutcome }): Promise<DecisionCheck> {
  const found = await loadEscalationDetail(ctx.prisma, args.escalationId);
  if (!found) {
    await auditRefusal(ctx, null, args.actor.userId, { escalationId: args.escalationId.slice(0, 64), outcome: args.outcome, code: "unknown_escalation" });
    return { ok: false, refusal: { code: "not_approver", message: "That escalation does not exist. Nothing was changed." } };
  }
  const { escalation, detail } = found;
  const check = canDecide(args.actor, viewOf(escalation, detail), args.outcome);
  if (!check.ok) {
    await auditRefusal(ctx, detail.screening.id, args.actor.userId, { escalationId: escalation.id, outcome: args.outcome, code: check.refusal.code });
    return { ok: false, refusal: check.refusal, reference: detail.screening.reference };
  }
  return { ok: true, escalation, reference: detail.screening.reference };
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
  const known = new Set(ctx.ruleSet.riskModel.approval_conditions.map((c) => c.id));
  const forged = input.conditions.some((c) => !known.has(c));
  const outcome = await inTransaction(
    ctx,
    async (tx): Promise<DecideResult> => {
      if (await requestSeen(tx, input.requestKey)) throw new DuplicateRequest(input.requestKey);
      const found = await loadEscalationDetail(tx, input.escalationId);
      if (!found) {
        throw new ServiceError("not_found", "That escalation does not exist. Nothing was changed.", {
          screeningId: null,
          actorId: input.actor.userId,
          type: "decision.refused",
          data: { escalationId: input.escalationId.slice(0, 64), outcome: input.outcome, code: "unknown_escalation" },
        });
      }
      const { escalation, detail } = found;
      const view = viewOf(escalation, detail);
      const check = canDecide(input.actor, view, input.outcome);
      if (!check.ok) {
        await appendAuditEvent(tx, {
          screeningId: detail.screening.id,
          actorId: input.actor.userId,
          type: "decision.refused",
          data: { escalationId: escalation.id, outcome: input.outcome, code: check.refusal.code },
        });
        return { kind: "refused", refusal: check.refusal };
      }
      if (forged) {
        // The modal only offers the rules' conditions: anything else was forged.
        throw new ServiceError("not_in_force", "One of the chosen conditions is not in the rule set. Choose again from the list.", {
          screeningId: detail.screening.id,
          actorId: input.actor.userId,
          type: "decision.refused",
          data: { escalationId: escalation.id, outcome: input.outcome, code: "condition_not_in_rules" },
        });
      }
      if (!(await claimRequestKey(tx, input.requestKey))) throw new DuplicateRequest(input.requestKey);

      const effect = applyDecision(view, input.actor.userId, input.outcome);
      const now = ctx.now();
      const decisionId = await insertDecision(tx, {
        escalationId: escalation.id,
        screeningId: detail.screening.id,
        round: escalation.round,
        deciderId: input.actor.userId,
        outcome: input.outcome,
        rationale: input.rationale,
        conditions: input.conditions,
        conditionsText: input.conditionsText,
        authorisation,
      });
      if (!(await updateEscalationIfUnchanged(tx, escalation.id, escalation.version, { status: effect.status, closedAt: effect.final ? now : null }))) {
        throw new LostRace();
      }
      const event: ScreeningEvent | undefined =
        effect.status === "approved" ? "approve" : effect.status === "rejected" ? "reject" : effect.status === "info_requested" ? "request_info" : undefined;
      if (event) {
        const status = nextStatus(detail.screening.status, event);
        if (!status) throw new ServiceError("conflict", `${detail.screening.reference} cannot be decided in its current state (${detail.screening.status}).`);
        const moved = await tx.screening.updateMany({
          where: { id: detail.screening.id, version: detail.screening.version },
          data: { status, version: { increment: 1 }, ...(effect.final ? { closedAt: now } : {}) },
        });
        if (moved.count !== 1) throw new LostRace();
      }
      await appendAuditEvent(tx, {
        screeningId: detail.screening.id,
        actorId: input.actor.userId,
        type: "decision.recorded",
        data: {
          decisionId,
          escalationId: escalation.id,
          outcome: input.outcome,
          round: escalation.round,
          approvals: effect.approvals,
          requiredApprovals: escalation.requiredApprovals,
          final: effect.final,
          conditions: input.conditions,
          ...(authorisation ? { authorisation: { ...authorisation } } : {}),
        },
      });
      await enqueueDelivery(tx, detail.screening.id, { kind: "sync_escalation", escalationId: escalation.id });
      await enqueueDelivery(tx, detail.screening.id, { kind: "dm_decision", decisionId });
      const after = await loadScreening(tx, detail.screening.id);
      if (!after) throw new LostRace();
      return { kind: "recorded", effect, decisionId, detail: after };
    },
    { enqueues: true },
  );
  return outcome.duplicate ? { kind: "duplicate" } : outcome.value;
}

async function loadEscalationDetail(db: Db, escalationId: string): Promise<{ escalation: EscalationRecord; detail: ScreeningDetail } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(escalationId)) return null;
  const escalation = await findEscalation(db, escalationId);
  if (!escalation) return null;
  const detail = await loadScreening(db, escalation.screeningId);
  return detail ? { escalation, detail } : null;
}

function viewOf(escalation: EscalationRecord, detail: ScreeningDetail): EscalationView {
  return {
    status: escalation.status,
    round: escalation.round,
    requiredApprovals: escalation.requiredApprovals,
    requesterId: detail.screening.requesterId,
    hardStop: hasHardStop(detail.screening),
    decisions: escalation.decisions,
  };
}

async function auditRefusal(ctx: ServiceContext, screeningId: string | null, actorId: string, data: Record<string, string>): Promise<void> {
  await inTransaction(ctx, (tx) => appendAuditEvent(tx, { screeningId, actorId, type: "decision.refused", data }));
}
