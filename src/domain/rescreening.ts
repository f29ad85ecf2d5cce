// Re-screening before renewal. Pure.
//
// A screening that is cleared or approved gets a review date (withReviewDate): the earliest
// contract or licence end its requester gave (the rules' `review.date_questions`) or, at the
// latest, the tier's period after the decision (`review.default_months_by_tier`). `lead_days`
// before that date its requester is asked to re-screen (reviewsDue; each prompt once, under the
// key reviewPromptKey). A new list set or rule-set version can ask too (the rules'
// `on_new_list_set`, `on_new_rule_set`).
//
// A re-screening is a new screening linked to the one it renews, whose answers become the new
// one's drafts (renewalDrafts): every page shows them, and nothing becomes an answer until the
// requester confirms the page (Next), so a re-screening is submitted only with answers confirmed
// now. Approvers see what changed (renewalView: old → new) and the earlier decision.
import { applyChange, type AggregateChange, type AggregateState, type Drafts, type PageDraft } from "./aggregate.js";
import { changedAnswers } from "./answer-changes.js";
import { signalsOfParties } from "./decision-commands.js";
import { interviewState } from "./interview.js";
import type { CommandRefusal } from "./interview-commands.js";
import type { RenewalView, ScreeningDetail, ScreeningRecord } from "./records.js";
import type { AnswerValue, Answers, RuleSet } from "./rule-set.js";
import { scoreScreening } from "./scoring.js";
import { isEditable, type ScreeningStatus } from "./screening.js";

const DAY_MS = 86_400_000;

/** A day as YYYY-MM-DD (UTC). */
export function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Midnight UTC of the day `d` falls on. */
export function startOfDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** `months` after the day of `from` (midnight UTC); on a shorter month, its last day (31 Jan + 1 month = 28 or 29 Feb). */
export function addMonths(from: Date, months: number): Date {
  const y = from.getUTCFullYear();
  const m = from.getUTCMonth() + months;
  const last = new Date(Date.UTC(y, m + 1, 0)).getUTCDate();
  return new Date(Date.UTC(y, m, Math.min(from.getUTCDate(), last)));
}

/** A date answer (YYYY-MM-DD) as midnight UTC of that day, or undefined. */
function dayOfAnswer(value: AnswerValue | undefined): Date | undefined {
  if (typeof value !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return undefined;
  const d = new Date(`${value}T00:00:00Z`);
  return Number.isNaN(d.getTime()) || isoDay(d) !== value ? undefined : d;
}

/** Why a screening is due for review when it is. */
export type ReviewBasis = { kind: "answer"; questionId: string } | { kind: "tier_period"; tier: string; months: number };

/**
 * When a screening decided at `decidedAt`, with these answers and tier, must be reviewed again:
 * the earliest date answered to one of the rules' date questions that falls after the decision
 * day, unless the tier's period ends sooner. Null when the rules set no review (or no period
 * for the tier: the rules checker refuses that).
 */
export function reviewDueDate(ruleSet: RuleSet, args: { answers: Answers; tier: string | null; decidedAt: Date }): { dueAt: Date; basis: ReviewBasis } | null {
  const review = ruleSet.riskModel.review;
  if (!review) return null;
  const decidedOn = startOfDay(args.decidedAt);
  let best: { dueAt: Date; basis: ReviewBasis } | null = null;
  const months = args.tier !== null ? review.default_months_by_tier[args.tier] : undefined;
  if (args.tier !== null && months !== undefined) best = { dueAt: addMonths(decidedOn, months), basis: { kind: "tier_period", tier: args.tier, months } };
  // Only answers to questions in force count: one left behind on a hidden page is not an answer.
  const answers = interviewState(ruleSet, args.answers).effectiveAnswers;
  for (const questionId of review.date_questions) {
    const day = dayOfAnswer(answers[questionId]);
    // A date on or before the decision day has passed already: the tier's period decides.
    if (!day || day.getTime() <= decidedOn.getTime()) continue;
    if (!best || day.getTime() < best.dueAt.getTime()) best = { dueAt: day, basis: { kind: "answer", questionId } };
  }
  return best;
}

const REVIEWED: readonly ScreeningStatus[] = ["cleared", "approved"];

/**
 * `change` as it is to be committed, with the review date when it makes the screening cleared or
 * approved (every path there passes here: the submission, an approval, a match resolution that
 * clears): the screening row gets review_due_at and the audit trail says when and why. Any
 * other change is returned as it is.
 */
export function withReviewDate(ruleSet: RuleSet, state: AggregateState, change: AggregateChange, now: Date): AggregateChange {
  const status = change.screening?.status;
  if (!status || !REVIEWED.includes(status) || status === state.screening.status) return change;
  if (change.screening?.reviewDueAt !== undefined) return change;
  const after = applyChange(state, change, now);
  const due = reviewDueDate(ruleSet, { answers: after.answers, tier: after.screening.tier, decidedAt: now });
  if (!due) return change;
  const basis = due.basis.kind === "answer" ? { answer: due.basis.questionId } : { tier: due.basis.tier, months: due.basis.months };
  return {
    ...change,
    screening: { ...change.screening, reviewDueAt: due.dueAt },
    audit: [...change.audit, { actorId: "system", type: "review.scheduled", data: { dueOn: isoDay(due.dueAt), ...basis } }],
  };
}

// ---------------------------------------------------------------------------------------------
// Prompts

/** What asks for a re-screening. */
export type PromptReason = "review_due" | "new_list_set" | "new_rule_set";

/** A decided screening with a review date and no re-screening yet, as the store lists them. */
export interface ReviewCandidate {
  screeningId: string;
  reference: string;
  requesterId: string;
  status: ScreeningStatus;
  reviewDueAt: Date;
}

export interface DueReview extends ReviewCandidate {
  /** the review date, YYYY-MM-DD */
  dueOn: string;
  /** the prompt's claim: one prompt per screening and review date, however many instances look */
  key: string;
}

/** When the prompt for a review on `dueAt` goes out: `leadDays` before it. */
export function promptOpensAt(dueAt: Date, leadDays: number): Date {
  return new Date(startOfDay(dueAt).getTime() - leadDays * DAY_MS);
}

/** The claim key of the prompt for one screening's review date. */
export function reviewPromptKey(screeningId: string, dueOn: string): string {
  return `review:${screeningId}:${dueOn}`;
}

/** The end of the claim key of prompts after a new list set or rule-set version (`version`: its content hash). */
export function triggerKeySuffix(reason: Exclude<PromptReason, "review_due">, version: string): string {
  return `${reason === "new_list_set" ? "lists" : "rules"}:${version.slice(0, 16)}`;
}

/** The claim key of one screening's prompt after a new list set or rule-set version. */
export function triggerPromptKey(screeningId: string, reason: Exclude<PromptReason, "review_due">, version: string): string {
  return `review:${screeningId}:${triggerKeySuffix(reason, version)}`;
}

/**
 * The reviews whose prompt is due at `now`: decided (cleared or approved), with a review date
 * whose lead time has begun. Overdue ones stay due until prompted (the key says whether they were).
 */
export function reviewsDue(now: Date, candidates: readonly ReviewCandidate[], leadDays: number): DueReview[] {
  return candidates
    .filter((c) => REVIEWED.includes(c.status) && promptOpensAt(c.reviewDueAt, leadDays).getTime() <= now.getTime())
    .sort((a, b) => a.reviewDueAt.getTime() - b.reviewDueAt.getTime() || a.reference.localeCompare(b.reference))
    .map((c) => {
      const dueOn = isoDay(c.reviewDueAt);
      return { ...c, dueOn, key: reviewPromptKey(c.screeningId, dueOn) };
    });
}

/** A decided screening within `withinDays` of its decision (the triggers' window). */
export function decidedWithin(screening: Pick<ScreeningRecord, "status" | "closedAt">, now: Date, withinDays: number): boolean {
  if (!REVIEWED.includes(screening.status) || !screening.closedAt) return false;
  return now.getTime() - screening.closedAt.getTime() <= withinDays * DAY_MS;
}

/**
 * A new rule-set version: the tier the screening's answers get under the rules now in force,
 * when it is higher than the one they got (a tier the new rules no longer have counts as
 * changed); null otherwise. Restricted-party matches are taken as recorded.
 */
export function tierRiseUnder(ruleSet: RuleSet, screening: Pick<ScreeningRecord, "tier" | "scoring">, answers: Answers): { from: string | null; to: string; toLabel: string } | null {
  const tiers = ruleSet.riskModel.tiers.map((t) => t.id);
  const now = scoreScreening(ruleSet, answers, signalsOfParties(screening.scoring?.parties));
  const before = screening.tier === null ? -1 : tiers.indexOf(screening.tier);
  const after = tiers.indexOf(now.tier.id);
  if (before >= 0 && after <= before) return null;
  if (screening.tier === now.tier.id) return null;
  return { from: screening.tier, to: now.tier.id, toLabel: now.tier.label };
}

/** Who is asked: the requester of a decided screening, compliance in the thread of an open one. */
export function promptAudience(status: ScreeningStatus): "requester" | "compliance_thread" | null {
  if (REVIEWED.includes(status)) return "requester";
  if (status === "escalated" || status === "info_requested") return "compliance_thread";
  return null;
}

/**
 * The prompt, written with its claim (the use case's request key) in one statement: an audit
 * event and the outbox row. Null when the screening no longer qualifies (re-screened or changed
 * meanwhile).
 */
export function decideReviewPrompt(
  state: AggregateState,
  cmd: { reason: PromptReason; dueOn: string | null; complianceChannelId: string; tierNow?: { to: string; toLabel: string } | undefined; version?: string | undefined },
): AggregateChange | null {
  const s = state.screening;
  if (s.renewedBy) return null;
  const audience = promptAudience(s.status);
  if (!audience) return null;
  if (audience === "compliance_thread" && (cmd.reason !== "new_rule_set" || !state.escalation)) return null;
  if (cmd.reason === "review_due" && (!s.reviewDueAt || cmd.dueOn !== isoDay(s.reviewDueAt))) return null;
  return {
    audit: [
      {
        actorId: "system",
        type: "review.prompted",
        data: {
          reason: cmd.reason,
          to: audience,
          ...(cmd.dueOn ? { dueOn: cmd.dueOn } : {}),
          ...(cmd.version ? { version: cmd.version.slice(0, 16) } : {}),
          ...(cmd.tierNow ? { tierNow: cmd.tierNow.to } : {}),
        },
      },
    ],
    deliveries: [
      {
        kind: "review_prompt",
        screeningId: s.id,
        channelId: cmd.complianceChannelId,
        reason: cmd.reason,
        dueOn: cmd.dueOn,
        ...(cmd.tierNow ? { tierNow: cmd.tierNow.toLabel } : {}),
      },
    ],
  };
}

// ---------------------------------------------------------------------------------------------
// Starting a re-screening

export type RenewalDecision =
  | { kind: "refused"; refusal: CommandRefusal }
  /** the actor's own re-screening of it is under way: continue that one */
  | { kind: "continue"; screeningId: string }
  | { kind: "start" };

/**
 * Whether `actorId` may re-screen this screening now. Its requester or an approver may, once it
 * is cleared or approved, and only once: a second request continues the re-screening under way
 * (its own), or says who holds it.
 */
export function decideRenewal(previous: AggregateState, cmd: { actorId: string; isApprover: boolean }): RenewalDecision {
  const s = previous.screening;
  const ref = s.reference;
  if (s.requesterId !== cmd.actorId && !cmd.isApprover) {
    // The same words as for an unknown reference: references of other people's screenings cannot be probed.
    return {
      kind: "refused",
      refusal: {
        code: "not_found",
        message: `No screening ${ref} that you can see. /screening list shows yours.`,
        audit: { type: "access.refused", data: { reason: "renew_of_other" } },
      },
    };
  }
  const next = s.renewedBy;
  if (next) {
    if (next.requesterId === cmd.actorId && isEditable(next.status)) return { kind: "continue", screeningId: next.id };
    const whose = next.requesterId === cmd.actorId ? "" : ` by <@${next.requesterId}>`;
    return {
      kind: "refused",
      refusal: {
        code: "conflict",
        message: isEditable(next.status)
          ? `${ref} is already being re-screened as ${next.reference}${whose}. Nothing new was started.`
          : `${ref} was already re-screened as ${next.reference}. To review the deal again, renew that one: /screening renew ${next.reference}.`,
      },
    };
  }
  switch (s.status) {
    case "cleared":
    case "approved":
      return { kind: "start" };
    case "draft":
    case "info_requested":
      return { kind: "refused", refusal: { code: "not_editable", message: `${ref} is not finished yet, so there is nothing to re-screen. Finish it first: /screening resume.` } };
    case "escalated":
      return { kind: "refused", refusal: { code: "not_editable", message: `${ref} is still waiting for compliance's decision. Re-screen it once it is decided.` } };
    case "rejected":
      return {
        kind: "refused",
        refusal: { code: "not_editable", message: `${ref} was rejected, so it cannot be renewed. If the deal has changed, start a new screening with /screening.` },
      };
  }
}

/** A stored answer as the page modal's input holds it (what a draft keeps). */
function rawOf(value: AnswerValue): string | string[] {
  return typeof value === "number" ? String(value) : value;
}

/**
 * The previous screening's answers as drafts of the re-screening, page by page under the rules
 * now in force: every question still asked gets its old answer prefilled; none is an answer yet.
 */
export function renewalDrafts(ruleSet: RuleSet, previousAnswers: Answers): Drafts {
  const effective = interviewState(ruleSet, previousAnswers).effectiveAnswers;
  const drafts: Drafts = {};
  for (const page of ruleSet.questionnaire.pages) {
    const draft: PageDraft = {};
    for (const q of page.questions) {
      const v = effective[q.id];
      if (v !== undefined) draft[q.id] = rawOf(v);
    }
    if (Object.keys(draft).length > 0) drafts[page.id] = draft;
  }
  return drafts;
}

/**
 * Whether a page of a re-screening still shows the renewed screening's answers unconfirmed: it
 * has their draft, and none of its questions is answered in the re-screening yet.
 */
export function isUnconfirmedRenewalPage(renews: { reference: string } | null | undefined, pageQuestionIds: readonly string[], answers: Answers, draft: Readonly<PageDraft> | undefined): boolean {
  if (!renews || !draft || Object.keys(draft).length === 0) return false;
  return pageQuestionIds.every((id) => answers[id] === undefined);
}

/**
 * A re-screening against the screening it renews: the previous outcome and its last round's
 * decisions, and the answers that changed (old → new). While the re-screening is not submitted,
 * only the questions answered (confirmed) so far are compared.
 */
export function renewalView(ruleSet: RuleSet, previous: ScreeningDetail, current: Pick<ScreeningDetail, "screening" | "answers">): RenewalView {
  const p = previous.screening;
  const escalation = previous.escalation;
  const decisions = escalation ? escalation.decisions.filter((d) => d.round === escalation.round && d.outcome !== "request_info") : [];
  const pending = isEditable(current.screening.status);
  let changes = changedAnswers(ruleSet, previous.answers, current.answers);
  if (pending) changes = changes.filter((c) => c.after !== undefined);
  return {
    previous: {
      id: p.id,
      reference: p.reference,
      requesterId: p.requesterId,
      status: p.status,
      tier: p.tier,
      tierLabel: p.scoring?.tier.label ?? ruleSet.riskModel.tiers.find((t) => t.id === p.tier)?.label ?? p.tier,
      score: p.score,
      decidedAt: p.closedAt ?? escalation?.closedAt ?? null,
      decisions,
    },
    changes,
    pending,
  };
}


