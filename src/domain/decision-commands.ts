// What compliance's commands do to a screening's aggregate: a decision on its escalation, and
// the requester's written reply while compliance holds it. Pure: the state and the command in,
// the change to write (or a refusal, as a value) out. The approval policy is approval-policy.ts.
import type { AggregateChange, AggregateState, AuditEntryDraft } from "./aggregate.js";
import { applyDecision, canDecide, hasHardStop, type Decider, type DecisionEffect, type DecisionOutcome, type EscalationView, type Refusal } from "./approval-policy.js";
import type { Authorisation } from "./decision-input.js";
import type { CommandRefusal } from "./interview-commands.js";
import type { ScreeningSignals } from "./conditions.js";
import { stateOfScreenedMatches, withResolutions, type PartyScreeningRecord, type ResolutionOutcome, type ResolutionRecord, type ScreenedMatch } from "./party-matching.js";
import type { EscalationRecord } from "./records.js";
import type { RuleSet } from "./rule-set.js";
import { scoreScreening, type ScoringResult } from "./scoring.js";
import { nextStatus, STATUS_LABELS, transition, type ScreeningEvent } from "./screening.js";

/** The escalation as the approval policy sees it. */
export function escalationView(state: AggregateState, escalation: EscalationRecord): EscalationView {
  return {
    status: escalation.status,
    round: escalation.round,
    requiredApprovals: escalation.requiredApprovals,
    requesterId: state.screening.requesterId,
    hardStop: hasHardStop(state.screening),
    decisions: escalation.decisions,
  };
}

export interface DecisionCommand {
  actor: Decider;
  outcome: DecisionOutcome;
  rationale: string;
  conditions: string[];
  conditionsText: string | null;
  authorisation: Authorisation | null;
  /** the approval conditions the rule set offers */
  knownConditions: ReadonlySet<string>;
  /** the id the new decision gets */
  decisionId: string;
  now: Date;
}

export type DecisionDecision =
  /** the policy refuses: nothing changes but the refusal's audit event */
  | { kind: "refused"; refusal: Refusal; audit: AuditEntryDraft }
  /** the command itself cannot be taken (forged condition, a state the screening cannot be decided in) */
  | { kind: "invalid"; refusal: CommandRefusal }
  | { kind: "recorded"; effect: DecisionEffect; change: AggregateChange };

function refusedDecision(escalationId: string, actorId: string, outcome: DecisionOutcome, code: string): AuditEntryDraft {
  return { actorId, type: "decision.refused", data: { escalationId, outcome, code } };
}

export function decideEscalationCommand(state: AggregateState, cmd: DecisionCommand): DecisionDecision {
  const escalation = state.escalation;
  const actorId = cmd.actor.userId;
  if (!escalation) return { kind: "invalid", refusal: { code: "not_found", message: "That escalation does not exist. Nothing was changed." } };
  const view = escalationView(state, escalation);
  const check = canDecide(cmd.actor, view, cmd.outcome);
  if (!check.ok) return { kind: "refused", refusal: check.refusal, audit: refusedDecision(escalation.id, actorId, cmd.outcome, check.refusal.code) };
  if (cmd.conditions.some((c) => !cmd.knownConditions.has(c))) {
    // The modal only offers the rules' conditions: anything else was forged.
    return {
      kind: "invalid",
      refusal: {
        code: "conflict",
        message: "One of the chosen conditions is not in the rule set. Choose again from the list.",
        audit: { type: "decision.refused", data: { escalationId: escalation.id, outcome: cmd.outcome, code: "condition_not_in_rules" } },
      },
    };
  }
  const effect = applyDecision(view, actorId, cmd.outcome);
  const event: ScreeningEvent | undefined =
    effect.status === "approved" ? "approve" : effect.status === "rejected" ? "reject" : effect.status === "info_requested" ? "request_info" : undefined;
  const status = event ? nextStatus(state.screening.status, event) : undefined;
  if (event && !status) {
    return {
      kind: "invalid",
      refusal: { code: "conflict", message: `${state.screening.reference} cannot be decided in its current state (${STATUS_LABELS[state.screening.status]}).` },
    };
  }
  return {
    kind: "recorded",
    effect,
    change: {
      ...(status ? { screening: { status, ...(effect.final ? { closedAt: cmd.now } : {}) } } : {}),
      escalation: {
        update: {
          id: escalation.id,
          version: escalation.version,
          status: effect.status,
          round: escalation.round,
          requiredApprovals: escalation.requiredApprovals,
          closedAt: effect.final ? cmd.now : null,
        },
      },
      decision: {
        id: cmd.decisionId,
        escalationId: escalation.id,
        round: escalation.round,
        deciderId: actorId,
        outcome: cmd.outcome,
        rationale: cmd.rationale,
        conditions: cmd.conditions,
        conditionsText: cmd.conditionsText,
        authorisation: cmd.authorisation,
      },
      audit: [
        {
          actorId,
          type: "decision.recorded",
          data: {
            decisionId: cmd.decisionId,
            escalationId: escalation.id,
            outcome: cmd.outcome,
            round: escalation.round,
            approvals: effect.approvals,
            requiredApprovals: escalation.requiredApprovals,
            final: effect.final,
            conditions: cmd.conditions,
            ...(cmd.authorisation ? { authorisation: { ...cmd.authorisation } } : {}),
          },
        },
      ],
      deliveries: [
        { kind: "sync_escalation", escalationId: escalation.id },
        { kind: "dm_decision", decisionId: cmd.decisionId },
      ],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The requester's reply to compliance after "Request info"

/** The audit event that holds a reply; the thread post is rendered from it. */
export const REPLY_EVENT = "reply.recorded";

export function decideReply(state: AggregateState, cmd: { actorId: string; text: string }): { kind: "refused"; refusal: CommandRefusal } | { kind: "sent"; change: AggregateChange } {
  const s = state.screening;
  if (s.requesterId !== cmd.actorId) {
    return {
      kind: "refused",
      refusal: {
        code: "forbidden",
        message: "This screening belongs to someone else; only its requester can reply to compliance on it. Nothing was sent.",
        audit: { type: "access.refused", data: { reason: "not_requester", action: "reply" } },
      },
    };
  }
  const escalation = state.escalation;
  if (!escalation || (s.status !== "escalated" && s.status !== "info_requested")) {
    const message =
      s.status === "draft"
        ? `${s.reference} is open for editing, so compliance is waiting for your changed answers, not a reply. Nothing was sent. Type /screening resume to finish and submit it.`
        : `${s.reference} is not waiting for compliance (status: ${STATUS_LABELS[s.status]}), so there is nothing to reply to. Nothing was sent. See /screening status ${s.reference}.`;
    return { kind: "refused", refusal: { code: "not_editable", message } };
  }
  return {
    kind: "sent",
    change: {
      audit: [{ actorId: cmd.actorId, type: REPLY_EVENT, data: { escalationId: escalation.id, round: escalation.round, text: cmd.text } }],
      // the thread post names the audit event that holds the text (its seq is known once written)
      deliveries: [{ kind: "thread_reply", escalationId: escalation.id, auditSeq: { ofEvent: 1 } }],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Compliance resolves a potential restricted-party match

export interface MatchResolutionCommand {
  /** the match's position in the screening's recorded matches, and the list entry it must be */
  index: number;
  entryId: string;
  outcome: ResolutionOutcome;
  reason: string;
  actorId: string;
  /** earlier resolutions of the recorded matches (any screening), as the store found them */
  earlier: readonly ResolutionRecord[];
  resolutionId: string;
  now: Date;
}

export type MatchResolutionDecision =
  | { kind: "refused"; refusal: CommandRefusal }
  | { kind: "resolved"; change: AggregateChange; cleared: boolean; hardStop: boolean };

/** The open match a button refers to; a refusal says why in plain words. */
export function matchToResolveIn(state: AggregateState, ref: { index: number; entryId: string }): { ok: true; match: ScreenedMatch } | { ok: false; refusal: CommandRefusal } {
  const s = state.screening;
  const match = s.scoring?.parties?.matches[ref.index];
  if (!match || match.entryId !== ref.entryId) {
    return { ok: false, refusal: { code: "conflict", message: `The list matches of ${s.reference} changed since this message was shown. Nothing was changed: use the buttons on the updated message.` } };
  }
  if (match.resolution) {
    return {
      ok: false,
      refusal: {
        code: "conflict",
        message: `This match was already resolved (${match.resolution.outcome === "confirmed" ? "confirmed" : "not the same party"}) by <@${match.resolution.decidedBy}>. Nothing was changed.`,
      },
    };
  }
  return { ok: true, match };
}

/**
 * Records the resolution and scores the screening again with what compliance now knows: a
 * confirmed match is a hard stop; with no match left open, the floor it set is gone. When
 * nothing is left to decide (not escalating any more, nobody decided this round, still open),
 * the escalation is closed and the screening cleared.
 */
export function decideMatchResolution(ruleSet: RuleSet, state: AggregateState, cmd: MatchResolutionCommand): MatchResolutionDecision {
  const s = state.screening;
  if (s.requesterId === cmd.actorId) {
    return {
      kind: "refused",
      refusal: {
        code: "forbidden",
        message: "You requested this screening, so another approver must resolve its list matches. Nothing was changed.",
        audit: { type: "access.refused", data: { reason: "own_screening", action: "resolve_party_match" } },
      },
    };
  }
  const found = matchToResolveIn(state, cmd);
  if (!found.ok) return { kind: "refused", refusal: found.refusal };
  const { match } = found;
  const scoring = s.scoring;
  const record = scoring?.parties;
  if (!scoring || !record?.listSet) return { kind: "refused", refusal: { code: "conflict", message: "This screening was not screened against a list set, so there is nothing to resolve." } };

  const resolution: ResolutionRecord = {
    id: cmd.resolutionId,
    screeningId: s.id,
    normalisedName: match.normalisedName,
    entryId: match.entryId,
    entryHash: match.entryHash,
    listSetId: record.listSet.id,
    outcome: cmd.outcome,
    reason: cmd.reason,
    decidedBy: cmd.actorId,
    decidedAt: cmd.now,
  };
  // Every recorded match with the resolutions now in force (this one first: it is the newest).
  const parties = { ...record, matches: withResolutions(record.matches, [resolution, ...cmd.earlier]) };
  const escalation = state.escalation;
  const live = escalation !== null && (escalation.status === "open" || escalation.status === "info_requested");
  let result: ScoringResult = { ...scoring, parties };
  let cleared = false;
  let escalationChange: NonNullable<AggregateChange["escalation"]> | undefined;
  if (live && escalation) {
    result = { ...scoreScreening(ruleSet, state.answers, signalsOfParties(parties)), parties };
    const decidedThisRound = escalation.decisions.some((d) => d.round === escalation.round);
    cleared = !result.escalate && !decidedThisRound && escalation.status === "open" && nextStatus(s.status, "close") !== undefined;
    escalationChange = {
      update: {
        id: escalation.id,
        version: escalation.version,
        status: cleared ? "closed" : escalation.status,
        round: escalation.round,
        requiredApprovals: cleared ? escalation.requiredApprovals : Math.max(escalation.requiredApprovals, result.approvalsRequired),
        closedAt: cleared ? cmd.now : escalation.closedAt,
      },
    };
  }
  const audit: AuditEntryDraft[] = [
    {
      actorId: cmd.actorId,
      type: "party_match.resolved",
      data: { outcome: cmd.outcome, reason: cmd.reason, entryId: match.entryId, entryHash: match.entryHash, list: match.source, ourName: match.partyName, listedName: match.listedName, score: match.score },
    },
  ];
  if (cleared) audit.push({ actorId: cmd.actorId, type: "screening.cleared", data: { tier: result.tier.id, after: "party_match.resolved" } });
  const deliveries: AggregateChange["deliveries"] = escalation
    ? [
        { kind: "sync_escalation", escalationId: escalation.id },
        { kind: "thread_match_resolved", escalationId: escalation.id, index: cmd.index, cleared },
      ]
    : [];
  if (cleared) deliveries.push({ kind: "dm_cleared", screeningId: s.id });
  return {
    kind: "resolved",
    cleared,
    hardStop: result.hardStops.length > 0,
    change: {
      screening: {
        scoring: result,
        score: result.total,
        tier: result.tier.id,
        hardStop: result.hardStops.length > 0,
        ...(live ? { ruleSetHash: ruleSet.version } : {}),
        ...(cleared ? { status: transition(s.status, "close"), closedAt: cmd.now } : {}),
      },
      ...(escalationChange ? { escalation: escalationChange } : {}),
      resolution: {
        id: cmd.resolutionId,
        normalisedName: match.normalisedName,
        entryId: match.entryId,
        entryHash: match.entryHash,
        listSetId: record.listSet.id,
        outcome: cmd.outcome,
        reason: cmd.reason,
        decidedBy: cmd.actorId,
      },
      audit,
      deliveries,
    },
  };
}

/** What scoring reads from a recorded party screening. */
export function signalsOfParties(record: PartyScreeningRecord | undefined): ScreeningSignals {
  const state = record ? stateOfScreenedMatches(record.matches) : undefined;
  return state ? { partyMatch: state } : {};
}
