// Who may decide an escalation, and what a decision does to it. Pure.
//
// - Only approvers decide; the requester never decides their own screening.
// - A tier that needs N approvals stays open until N different approvers approve in the
//   current round ("Approve with conditions" counts as an approval; conditions accumulate).
// - A rejection is final at once. "Request info" pauses the escalation until the requester
//   resubmits, which starts a new round: approvals from an earlier round no longer count.
// - On a hard stop the export is prohibited unless a licence or authorisation makes it lawful:
//   the only approval is "Approve under authorisation", and only the hard-stop approvers give it
//   (the approvers, when no hard-stop approvers are named). A plain approval is refused even if
//   forged, and only approvals under an authorisation count towards the N. Rejecting and
//   requesting information stay open to the approvers.

export const DECISION_OUTCOMES = ["approve", "approve_with_conditions", "approve_under_authorisation", "reject", "request_info"] as const;
export type DecisionOutcome = (typeof DECISION_OUTCOMES)[number];

export const OUTCOME_LABELS: Record<DecisionOutcome, string> = {
  approve: "Approve",
  approve_with_conditions: "Approve with conditions",
  approve_under_authorisation: "Approve under authorisation",
  reject: "Reject",
  request_info: "Request info",
};

/** The decisions an open escalation offers: on a hard stop, approval only under an authorisation. */
export function outcomesOffered(hardStop: boolean): readonly DecisionOutcome[] {
  return hardStop ? ["approve_under_authorisation", "reject", "request_info"] : ["approve", "approve_with_conditions", "reject", "request_info"];
}

/** closed: nothing left to decide (every potential list match was another party and the score no longer escalates) */
export type EscalationStatus = "open" | "info_requested" | "approved" | "rejected" | "closed";

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
  /** a hard stop holds on the screening as last scored */
  hardStop: boolean;
  decisions: readonly PriorDecision[];
}

/** The people named to approve hard stops (HARD_STOP_APPROVER_USER_IDS, HARD_STOP_APPROVER_USERGROUP_ID). */
export interface HardStopApprovers {
  userIds: readonly string[];
  usergroupId?: string | undefined;
}

/** Who asks to decide, as the approver directory knows them. */
export interface Decider {
  userId: string;
  /** one of the approvers (APPROVER_USER_IDS, APPROVER_USERGROUP_ID) */
  isApprover: boolean;
  /**
   * Present when hard-stop approvers are named: whether this person is one, and who they are
   * (a refusal says whom to ask). Absent: the approvers approve hard stops too.
   */
  hardStop?: { isApprover: boolean; approvers: HardStopApprovers } | undefined;
}

export type Refusal =
  | { code: "not_approver"; message: string }
  | { code: "own_screening"; message: string }
  | { code: "already_final"; message: string; decidedBy?: string | undefined }
  | { code: "waiting_for_requester"; message: string; decidedBy?: string | undefined }
  | { code: "already_approved_by_you"; message: string }
  | { code: "authorisation_required"; message: string }
  | { code: "no_hard_stop"; message: string }
  | { code: "not_hard_stop_approver"; message: string; approvers: HardStopApprovers };

export type PolicyCheck = { ok: true } | { ok: false; refusal: Refusal };

/** Whether this person may approve a hard stop under an authorisation. */
export function mayApproveHardStop(actor: Decider): boolean {
  return actor.hardStop ? actor.hardStop.isApprover : actor.isApprover;
}

export function canDecide(actor: Decider, escalation: EscalationView, outcome: DecisionOutcome): PolicyCheck {
  if (actor.userId === escalation.requesterId) {
    return refuse("own_screening", "You requested this screening, so you cannot decide it. Another approver must.");
  }
  // A hard-stop approver decides hard stops, even when not one of the approvers for the rest.
  const decides = actor.isApprover || (escalation.hardStop && actor.hardStop?.isApprover === true);
  if (!decides) {
    return refuse("not_approver", "Only compliance approvers can decide escalations. Ask the compliance team if you think you should be one.");
  }
  if (escalation.status === "closed") {
    return {
      ok: false,
      refusal: {
        code: "already_final",
        message: "This escalation was closed: compliance found every possible list match to be another party, and the screening was cleared. Nothing was changed.",
      },
    };
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
  if (escalation.hardStop && (outcome === "approve" || outcome === "approve_with_conditions")) {
    return refuse(
      "authorisation_required",
      "A hard stop holds on this screening: it can be approved only under a licence or authorisation, with Approve under authorisation. Nothing was changed.",
    );
  }
  if (!escalation.hardStop && outcome === "approve_under_authorisation") {
    return refuse("no_hard_stop", "No hard stop holds on this screening (any more): approve it with Approve or Approve with conditions. Nothing was changed.");
  }
  if (outcome === "approve_under_authorisation" && !mayApproveHardStop(actor)) {
    return {
      ok: false,
      refusal: {
        code: "not_hard_stop_approver",
        // The adapter names them ("To approve it, ask …") and adds that nothing was changed.
        message: "Only the hard-stop approvers can approve a hard stop under an authorisation. You can still reject it or request information.",
        approvers: actor.hardStop?.approvers ?? { userIds: [] },
      },
    };
  }
  if (isApproval(outcome) && approversThisRound(escalation, escalation).includes(actor.userId)) {
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
  const counted = approversThisRound(escalation, escalation);
  if (outcome === "reject") return { status: "rejected", approvals: counted.length, final: true };
  if (outcome === "request_info") return { status: "info_requested", approvals: 0, final: false };
  const approvers = new Set(countsOnHardStop(outcome, escalation.hardStop) ? [...counted, actorId] : counted);
  const done = approvers.size >= escalation.requiredApprovals;
  return { status: done ? "approved" : "open", approvals: approvers.size, final: done };
}

export function isApproval(outcome: DecisionOutcome): boolean {
  return outcome === "approve" || outcome === "approve_with_conditions" || outcome === "approve_under_authorisation";
}

/**
 * The approvers whose approval counts in the current round. On a hard stop only approvals under
 * an authorisation count (an approval recorded otherwise, before hard stops required one, does not).
 */
export function approversThisRound(escalation: Pick<EscalationView, "decisions" | "round">, opts: { hardStop?: boolean } = {}): string[] {
  const hardStop = opts.hardStop ?? false;
  const ids = escalation.decisions
    .filter((d) => d.round === escalation.round && isApproval(d.outcome) && countsOnHardStop(d.outcome, hardStop))
    .map((d) => d.deciderId);
  return [...new Set(ids)];
}

/** Whether a screening's stored scoring carries a hard stop. */
export function hasHardStop(screening: { hardStop: boolean; scoring: { hardStops: readonly unknown[] } | null }): boolean {
  return screening.hardStop || (screening.scoring?.hardStops.length ?? 0) > 0;
}

function countsOnHardStop(outcome: DecisionOutcome, hardStop: boolean): boolean {
  return !hardStop || outcome === "approve_under_authorisation";
}

function refuse(code: "not_approver" | "own_screening" | "already_approved_by_you" | "authorisation_required" | "no_hard_stop", message: string): PolicyCheck {
  return { ok: false, refusal: { code, message } };
}
