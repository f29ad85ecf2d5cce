// Who may decide an escalation, and what a decision does to it. Pure.
//
// - Only approvers decide; the requester never decides their own screening.
// - A tier that needs N approvals stays open until N different approvers approve in the
//   current round ("Approve with conditions" counts as an approval; conditions accumulate).
// - A rejection is final at once. "Request info" pauses the escalation until the requester
//   resubmits, which starts a new round: approvals from an earlier round no longer count.

export const DECISION_OUTCOMES = ["approve", "approve_with_conditions", "reject", "request_info"] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const OUTCOME_LABELS: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  reject: "Reject",
  request_info: "Request info",
};

export type EscalationStatus = "open" | "info_requested" | "approved" | "rejected";

export interface PriorDecision {
  deciderId: string;
  outcome: DecisionOutcome;
  round: number;
  createdAt: Date;
}

export interface EscalationView {
  status: EscalationStatus;
  round: number;
  requiredApprovals: number;
  requesterId: string;
  decisions: readonly PriorDecision[];
}

export type Refusal =
  | { code: "not_approver"; message: string }
  | { code: "own_screening"; message: string }
  | { code: "already_final"; message: string; decidedBy?: string | undefined }
  | { code: "waiting_for_requester"; message: string; decidedBy?: string | undefined }
  | { code: "already_approved_by_you"; message: string };

export type PolicyCheck = { ok: true } | { ok: false; refusal: Refusal };

export function canDecide(
  actor: { userId: string; isApprover: boolean },
  escalation: EscalationView,
  outcome: DecisionOutcome,
): PolicyCheck {
  if (actor.userId === escalation.requesterId) {
    return refuse("own_screening", "You requested this screening, so you cannot decide it. Another approver must.");
  }
  if (!actor.isApprover) {
    return refuse("not_approver", "Only compliance approvers can decide escalations. Ask the compliance team if you think you should be one.");
  }
  if (escalation.status === "approved" || escalation.status === "rejected") {
    const last = [...escalation.decisions].reverse().find((d) => d.outcome !== "request_info");
    return {
      ok: false,
      refusal: {
        code: "already_final",
        message: `This escalation is already ${escalation.status}. Nothing was changed.`,
        decidedBy: last?.deciderId,
      },
    };
  }
  if (escalation.status === "info_requested") {
    const asked = [...escalation.decisions].reverse().find((d) => d.round === escalation.round && d.outcome === "request_info");
    return {
      ok: false,
      refusal: {
        code: "waiting_for_requester",
        message: "More information was requested; the requester has not resubmitted yet. You can decide once they do.",
        decidedBy: asked?.deciderId,
      },
    };
  }
  if (isApproval(outcome) && approversThisRound(escalation).includes(actor.userId)) {
    return refuse("already_approved_by_you", "You have already approved this escalation; a different approver must give the next approval.");
  }
  return { ok: true };
}

export interface DecisionEffect {
  status: EscalationStatus;
  /** approvals in the current round after this decision */
  approvals: number;
  final: boolean;
}

/** The escalation's state after an allowed decision. */
export function applyDecision(escalation: EscalationView, actorId: string, outcome: DecisionOutcome): DecisionEffect {
  if (outcome === "reject") return { status: "rejected", approvals: approversThisRound(escalation).length, final: true };
  if (outcome === "request_info") return { status: "info_requested", approvals: 0, final: false };
  const approvers = new Set([...approversThisRound(escalation), actorId]);
  const done = approvers.size >= escalation.requiredApprovals;
  return { status: done ? "approved" : "open", approvals: approvers.size, final: done };
}

export function isApproval(outcome: DecisionOutcome): boolean {
  return outcome === "approve" || outcome === "approve_with_conditions";
}

export function approversThisRound(escalation: Pick<EscalationView, "decisions" | "round">): string[] {
  const ids = escalation.decisions.filter((d) => d.round === escalation.round && isApproval(d.outcome)).map((d) => d.deciderId);
  return [...new Set(ids)];
}

function refuse(code: Exclude<Refusal["code"], "already_final" | "waiting_for_requester">, message: string): PolicyCheck {
  return { ok: false, refusal: { code, message } };
}
