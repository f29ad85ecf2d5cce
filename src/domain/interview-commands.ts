// What the requester's commands do to a screening: pure functions from the aggregate's state
// and the command to the change to write (AggregateChange), or a refusal as a value. The
// services load, call one of these, and commit (src/services/interview.ts).
import type { EscalationId } from "./ids.js";
import type { AggregateChange, AggregateState, AuditEntryDraft, Drafts, PageDraft } from "./aggregate.js";
import { checkAnswer, firstIncompletePage, missingAnswers, nextPage, pageInForce, previousPage, wellFormedText, type MissingAnswer } from "./interview.js";
import type { PartyScreeningRecord } from "./party-matching.js";
import type { AnswerValue, Answers, RuleSet } from "./rule-set.js";
import type { ScoringResult } from "./scoring.js";
import { isEditable, transition, type ScreeningStatus } from "./screening.js";
import type { ScreeningRecord } from "./records.js";

/** A command refused: the code an adapter branches on, words for the person, and what the audit trail records. */
export interface CommandRefusal {
  code: "not_found" | "forbidden" | "not_editable" | "conflict";
  message: string;
  audit?: { type: string; data: Record<string, string> } | undefined;
}

/** Only the requester changes their screening, and only while it is editable. */
export function refuseUnlessOwnEditable(state: AggregateState, actorId: string): CommandRefusal | null {
  const s = state.screening;
  if (s.requesterId !== actorId) {
    return {
      code: "forbidden",
      message: "This screening belongs to someone else; only its requester can change it.",
      audit: { type: "access.refused", data: { reason: "not_requester" } },
    };
  }
  if (!isEditable(s.status)) return { code: "not_editable", message: notEditableMessage(s) };
  return null;
}

export function notEditableMessage(s: Pick<ScreeningRecord, "reference" | "status">): string {
  return `${s.reference} has already been submitted (status: ${s.status.replace("_", " ")}), so its answers can no longer be changed. See /screening status ${s.reference}.`;
}

/** The refusal for an id that names no screening (forged, or from another installation). */
export function unknownScreening(ref: string): CommandRefusal {
  return {
    code: "not_found",
    message: "That screening does not exist. Start a new one with /screening.",
    audit: { type: "access.refused", data: { reason: "unknown_screening", screeningRef: ref.slice(0, 64) } },
  };
}

function withAnswers(answers: Answers, values: Record<string, AnswerValue | undefined>): Answers {
  const out: Record<string, AnswerValue> = { ...answers };
  for (const [id, v] of Object.entries(values)) {
    if (v === undefined) delete out[id];
    else out[id] = v;
  }
  return out;
}

/** The questions whose value would change (an equal answer given again is not a change). */
function changedIds(answers: Answers, values: Record<string, AnswerValue | undefined>): string[] {
  return Object.keys(values).filter((id) => JSON.stringify(answers[id] ?? null) !== JSON.stringify(values[id] ?? null));
}

function changedOnly(answers: Answers, values: Record<string, AnswerValue | undefined>): Record<string, AnswerValue | undefined> {
  return Object.fromEntries(changedIds(answers, values).map((id) => [id, values[id]]));
}

function refusedOptions(pageId: string, actorId: string, questions: string[]): AuditEntryDraft[] {
  // The modal only offers the rules' options: anything else was forged (or the rules changed under an open modal).
  return questions.length === 0 ? [] : [{ actorId, type: "answers.refused", data: { page: pageId, questions, reason: "option_not_offered" } }];
}

// ---------------------------------------------------------------------------------------------
// Save a page

export type SavePageDecision =
  /** the page is not in force for these answers (stale modal): nothing to write, show where it stands */
  | { kind: "not_in_force" }
  /** invalid answers: nothing saved; a forged option is still recorded */
  | { kind: "errors"; errors: Record<string, string>; audit: AuditEntryDraft[] }
  | { kind: "saved"; change: AggregateChange; answers: Answers; nextPageId: string | undefined; changed: string[]; drafts: Drafts };

export function decideSavePage(ruleSet: RuleSet, state: AggregateState, cmd: { pageId: string; actorId: string; raw: Record<string, string | string[] | undefined> }): SavePageDecision {
  const page = pageInForce(ruleSet, state.answers, cmd.pageId);
  if (!page) return { kind: "not_in_force" };
  const errors: Record<string, string> = {};
  const notOffered: string[] = [];
  const values: Record<string, AnswerValue | undefined> = {};
  for (const question of page.questions) {
    const checked = checkAnswer(ruleSet, question, cmd.raw[question.id]);
    if (checked.ok) values[question.id] = checked.value;
    else {
      errors[question.id] = checked.message;
      if (checked.notOffered) notOffered.push(question.id);
    }
  }
  const refused = refusedOptions(cmd.pageId, cmd.actorId, notOffered);
  if (Object.keys(errors).length > 0) return { kind: "errors", errors, audit: refused };
  const changed = changedIds(state.answers, values);
  const answers = withAnswers(state.answers, values);
  const next = nextPage(ruleSet, answers, cmd.pageId);
  // The page is saved: its draft (if Back or closing the modal left one) has served its purpose.
  const hadDraft = Object.hasOwn(state.drafts, cmd.pageId);
  const drafts: Drafts = { ...state.drafts };
  delete drafts[cmd.pageId];
  return {
    kind: "saved",
    answers,
    drafts,
    changed,
    nextPageId: next?.page.id,
    change: {
      screening: { currentPage: next?.page.id ?? null, ...(hadDraft ? { drafts } : {}) },
      answers: changedOnly(state.answers, values),
      answeredBy: cmd.actorId,
      audit: [{ actorId: cmd.actorId, type: "answers.saved", data: { page: cmd.pageId, changed } }],
      deliveries: [],
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Leave a page without saving it (Back, closing the modal): keep what was typed

/**
 * Each value that passes the page's checks is saved as an answer, as Next would save it;
 * everything typed (valid or not) stays as the page's draft, so the page shows it again
 * exactly as it was left. Nothing invalid ever becomes an answer, and a choice the modal never
 * offered is dropped (and audited). Null when the page is not in force or nothing usable on it
 * was reported (only the refusal, if any, is then worth recording).
 */
export function keepDraft(
  ruleSet: RuleSet,
  state: AggregateState,
  cmd: { pageId: string; raw: PageDraft; actorId: string; via: "back" | "close" },
): { change: AggregateChange; answers: Answers; drafts: Drafts } | { change: null; audit: AuditEntryDraft[] } {
  const page = pageInForce(ruleSet, state.answers, cmd.pageId);
  if (!page) return { change: null, audit: [] };
  const draft: PageDraft = {};
  const values: Record<string, AnswerValue | undefined> = {};
  const invalid: string[] = [];
  const notOffered: string[] = [];
  for (const question of page.questions) {
    if (!Object.hasOwn(cmd.raw, question.id)) continue;
    const raw = cmd.raw[question.id] ?? null;
    const checked = checkAnswer(ruleSet, question, raw ?? undefined);
    if (!checked.ok && checked.notOffered) {
      notOffered.push(question.id);
      continue;
    }
    // The draft keeps what was typed, but must be storable: a lone surrogate (which the check
    // refuses, so it never becomes an answer) is kept as U+FFFD.
    draft[question.id] = raw === null ? null : typeof raw === "string" ? wellFormedText(raw) : raw.map(wellFormedText);
    if (checked.ok) values[question.id] = checked.value;
    else invalid.push(question.id);
  }
  const refused = refusedOptions(cmd.pageId, cmd.actorId, notOffered);
  if (Object.keys(draft).length === 0) return { change: null, audit: refused };
  const saved = changedIds(state.answers, values);
  const drafts: Drafts = { ...state.drafts, [cmd.pageId]: draft };
  return {
    answers: withAnswers(state.answers, values),
    drafts,
    change: {
      screening: { drafts },
      answers: changedOnly(state.answers, values),
      answeredBy: cmd.actorId,
      // Which questions, never what was typed: a draft may hold anything, and the trail is kept forever.
      audit: [...refused, { actorId: cmd.actorId, type: "answers.drafted", data: { page: cmd.pageId, via: cmd.via, saved, unsaved: invalid } }],
      deliveries: [],
    },
  };
}

/** Back: keep the draft, and move to the page before. */
export function decideBack(ruleSet: RuleSet, state: AggregateState, cmd: { pageId: string; raw: PageDraft; actorId: string }): { change: AggregateChange | null; audit: AuditEntryDraft[] } {
  const kept = keepDraft(ruleSet, state, { ...cmd, via: "back" });
  if (kept.change === null) return { change: null, audit: kept.audit };
  const prev = previousPage(ruleSet, kept.answers, cmd.pageId);
  const change: AggregateChange = { ...kept.change, screening: { ...kept.change.screening, ...(prev ? { currentPage: prev.page.id } : {}) } };
  return { change, audit: [] };
}

/** Closing the modal: keep the draft, remember the page for /screening resume, and DM the requester. */
export function decidePause(ruleSet: RuleSet, state: AggregateState, cmd: { pageId: string | null; raw?: PageDraft | undefined; actorId: string }): AggregateChange {
  const kept = cmd.pageId !== null && cmd.raw && Object.keys(cmd.raw).length > 0 ? keepDraft(ruleSet, state, { pageId: cmd.pageId, raw: cmd.raw, actorId: cmd.actorId, via: "close" }) : null;
  const movesPage = cmd.pageId !== null && cmd.pageId !== state.screening.currentPage;
  const base = kept?.change ?? null;
  return {
    screening: { ...(base?.screening ?? {}), ...(movesPage ? { currentPage: cmd.pageId } : {}) },
    ...(base?.answers ? { answers: base.answers, answeredBy: cmd.actorId } : {}),
    audit: [...(base?.audit ?? (kept && kept.change === null ? kept.audit : [])), { actorId: cmd.actorId, type: "interview.paused", data: { page: cmd.pageId } }],
    deliveries: [{ kind: "dm_draft_saved", screeningId: state.screening.id }],
  };
}

// ---------------------------------------------------------------------------------------------
// Submit

export type SubmitDecision =
  | { kind: "incomplete"; missing: MissingAnswer[] }
  | { kind: "refused"; refusal: CommandRefusal }
  | { kind: "submitted"; change: AggregateChange; status: ScreeningStatus; escalated: boolean; resubmission: boolean };

/** Whether the screening can be submitted now: a draft with every question in force answered. Null when it can. */
export function checkSubmittable(ruleSet: RuleSet, state: AggregateState): Extract<SubmitDecision, { kind: "incomplete" | "refused" }> | null {
  const s = state.screening;
  if (s.status !== "draft") return { kind: "refused", refusal: { code: "not_editable", message: notEditableMessage(s) } };
  const missing = missingAnswers(ruleSet, state.answers);
  return missing.length > 0 ? { kind: "incomplete", missing } : null;
}

/**
 * Scores the answers (the caller screened the parties and passes `score`) and decides the
 * outcome: cleared below the threshold; escalated at or above it or on a hard stop; back to
 * the same escalation, in a new round, after "Request info" (compliance already holds it, so
 * it goes back to them whatever the new tier).
 */
export function decideSubmit(
  ruleSet: RuleSet,
  state: AggregateState,
  cmd: {
    actorId: string;
    result: ScoringResult & { parties?: PartyScreeningRecord | undefined };
    complianceChannelId: string;
    now: Date;
    /** the id a new escalation gets */
    newEscalationId: EscalationId;
  },
): SubmitDecision {
  const s = state.screening;
  const unfit = checkSubmittable(ruleSet, state);
  if (unfit) return unfit;
  const { result, actorId, now } = cmd;
  const scored = {
    score: result.total,
    tier: result.tier.id,
    hardStop: result.hardStops.length > 0,
    scoring: result,
    ruleSetHash: ruleSet.version,
    submittedAt: now,
    currentPage: null,
    // submitted answers are what counts now: anything left typed and unsaved goes
    drafts: {},
  };
  const submitted: AuditEntryDraft = {
    actorId,
    type: "screening.submitted",
    data: { score: result.total, tier: result.tier.id, hardStops: result.hardStops.map((h) => h.id), ruleSetVersion: ruleSet.version },
  };
  const existing = state.escalation;
  if (existing) {
    const status = transition(s.status, "resubmit");
    const required = Math.max(existing.requiredApprovals, result.approvalsRequired);
    const round = existing.round + 1;
    return {
      kind: "submitted",
      status,
      escalated: true,
      resubmission: true,
      change: {
        screening: { ...scored, status },
        escalation: { update: { id: existing.id, version: existing.version, status: "open", round, requiredApprovals: required, closedAt: null } },
        audit: [submitted, { actorId, type: "escalation.resubmitted", data: { escalationId: existing.id, round, requiredApprovals: required } }],
        deliveries: [
          { kind: "sync_escalation", escalationId: existing.id },
          { kind: "thread_resubmitted", escalationId: existing.id, round },
        ],
      },
    };
  }
  if (result.escalate) {
    const status = transition(s.status, "escalate");
    const id = cmd.newEscalationId;
    return {
      kind: "submitted",
      status,
      escalated: true,
      resubmission: false,
      change: {
        screening: { ...scored, status },
        escalation: { create: { id, channelId: cmd.complianceChannelId, requiredApprovals: result.approvalsRequired } },
        audit: [submitted, { actorId, type: "escalation.opened", data: { escalationId: id, channelId: cmd.complianceChannelId, requiredApprovals: result.approvalsRequired } }],
        deliveries: [
          { kind: "sync_escalation", escalationId: id },
          { kind: "dm_escalated", screeningId: s.id },
        ],
      },
    };
  }
  const status = transition(s.status, "clear");
  return {
    kind: "submitted",
    status,
    escalated: false,
    resubmission: false,
    change: {
      screening: { ...scored, status, closedAt: now },
      audit: [submitted, { actorId, type: "screening.cleared", data: { tier: result.tier.id } }],
      deliveries: [{ kind: "dm_cleared", screeningId: s.id }],
    },
  };
}

/** After "Request info": back to a draft the requester can change (nothing to do if it already is one). */
export function decideReopen(state: AggregateState, actorId: string): AggregateChange | null {
  if (state.screening.status !== "info_requested") return null;
  return { screening: { status: transition(state.screening.status, "reopen") }, audit: [{ actorId, type: "screening.reopened", data: {} }], deliveries: [] };
}

/** The page to resume at: the saved one if still in force, else the first with a missing answer. */
export function resumePage(ruleSet: RuleSet, answers: Answers, saved: string | null): string | undefined {
  if (saved && pageInForce(ruleSet, answers, saved)) return saved;
  return firstIncompletePage(ruleSet, answers);
}
