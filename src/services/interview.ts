// Use cases of the requester: start, resume, answer a page, move between pages, submit,
// and reopen after compliance asked for more information. Each is short: load the screening
// (one statement), let the domain decide (src/domain/interview-commands.ts), commit what it
// decided (one statement) — all through onAggregate (context.ts).
import { randomUUID } from "node:crypto";
import { escalationIdOf, screeningIdOf } from "../domain/ids.js";
import type { AggregateState, Drafts, PageDraft } from "../domain/aggregate.js";
import { interviewState, missingAnswers, nextPage, previousPage, type MissingAnswer, type PageInForce } from "../domain/interview.js";
import {
  decideBack,
  decidePause,
  decideReopen,
  decideSavePage,
  decideSubmit,
  checkSubmittable,
  refuseUnlessOwnEditable,
  resumePage,
  unknownScreening,
  type CommandRefusal,
} from "../domain/interview-commands.js";
import { perObject } from "../domain/memo.js";
import { newDraftRecord, type ScreeningRecord } from "../domain/records.js";
import type { Answers, RuleSet } from "../domain/rule-set.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import { appendAudit, createAggregate, loadAggregate } from "../store/aggregate.js";
import { ensureRuleSetVersion, latestUnfinishedScreening } from "../store/screenings.js";
import { onAggregate, refused, retryingRace, storageChecked, type ServiceContext, type Step } from "./context.js";
import { ServiceError } from "./errors.js";
import { listsInForce, screenParties } from "./party-screening.js";
import { assertWithinBudget } from "./request-budget.js";

export type { PageDraft } from "../domain/aggregate.js";

export interface PageStep {
  kind: "page";
  screening: ScreeningRecord;
  page: PageInForce;
  /** 0-based position among the pages in force, and how many there are */
  position: { index: number; count: number };
  isLast: boolean;
  answers: Answers;
  /** what was typed on this page and not saved (Back, closing the modal): shown instead of the answers */
  draft?: PageDraft | undefined;
}

export interface ReviewStep {
  kind: "review";
  screening: ScreeningRecord;
  pages: PageInForce[];
  answers: Answers;
  missing: MissingAnswer[];
}

export type InterviewStep = PageStep | ReviewStep;

/** Where an interview stands: the page to show (with its draft, if any), or the review when every page is done. */
export function stepAt(
  ruleSet: RuleSet,
  screening: ScreeningRecord,
  answers: Answers,
  pageId: string | null | undefined,
  drafts: Drafts = {},
): InterviewStep {
  const { pages } = interviewState(ruleSet, answers);
  const index = pageId ? pages.findIndex((p) => p.page.id === pageId) : -1;
  const page = pages[index];
  if (page) {
    const draft = Object.hasOwn(drafts, page.page.id) ? drafts[page.page.id] : undefined;
    return { kind: "page", screening, page, position: { index, count: pages.length }, isLast: index === pages.length - 1, answers, ...(draft ? { draft } : {}) };
  }
  return { kind: "review", screening, pages, answers, missing: missingAnswers(ruleSet, answers) };
}

const stepOf = (ruleSet: RuleSet, state: AggregateState, pageId: string | null | undefined): InterviewStep => stepAt(ruleSet, state.screening, state.answers, pageId, state.drafts);
const resumeStep = (ruleSet: RuleSet, state: AggregateState): InterviewStep => stepOf(ruleSet, state, resumePage(ruleSet, state.answers, state.screening.currentPage));

/** The refusal of a command by someone who may not change this screening (or when it is no longer editable). */
function ownEditable<R>(state: AggregateState, actorId: string, then: () => Step<R> | Promise<Step<R>>): Step<R> | Promise<Step<R>> {
  const refusal = refuseUnlessOwnEditable(state, actorId);
  if (refusal) return { refuse: refusal, actorId };
  return then();
}

async function refusal(ctx: ServiceContext, r: CommandRefusal, actorId: string, screeningId: string | null): Promise<never> {
  throw await refused(ctx, r, actorId, screeningId);
}

/** The rule set a screening is scored with is stored once per process (screenings reference it). */
const storedRuleSets = new WeakSet<RuleSet>();
async function ensureRuleSetStored(ctx: ServiceContext): Promise<void> {
  if (storedRuleSets.has(ctx.ruleSet)) return;
  await ensureRuleSetVersion(ctx.prisma, { hash: ctx.ruleSet.version, label: ctx.ruleSet.label, content: ruleSetContent(ctx.ruleSet) });
  storedRuleSets.add(ctx.ruleSet);
}

export async function startScreening(
  ctx: ServiceContext,
  args: { requesterId: string; teamId?: string | undefined; requestKey?: string | undefined },
): Promise<InterviewStep> {
  const first = nextPage(ctx.ruleSet, {});
  if (!first) throw new ServiceError("not_in_force", "The questionnaire has no pages. Ask your compliance team to check the rules.");
  await storageChecked(() => ensureRuleSetStored(ctx));
  assertWithinBudget();
  const now = ctx.now();
  const id = screeningIdOf(randomUUID());
  // A replayed command or click (same trigger or action_ts) must not leave a second draft.
  const created = await storageChecked(() => retryingRace(() => createAggregate(ctx.sql, {
    id,
    requesterId: args.requesterId,
    teamId: args.teamId ?? null,
    ruleSetHash: ctx.ruleSet.version,
    currentPage: first.page.id,
    requestKey: args.requestKey,
    now,
    audit: { type: "screening.created", data: { ruleSetVersion: ctx.ruleSet.version } },
  })));
  if (!created) {
    throw new ServiceError("conflict", "That request was already handled: the screening it started is saved. Type /screening resume to continue it.");
  }
  const screening = newDraftRecord({ id, reference: created.reference, requesterId: args.requesterId, currentPage: first.page.id, ruleSetHash: ctx.ruleSet.version, now });
  return stepAt(ctx.ruleSet, screening, {}, first.page.id);
}

/** The requester's newest unfinished screening, at the page where it stopped. */
export async function resumeScreening(ctx: ServiceContext, requesterId: string): Promise<InterviewStep | null> {
  const id = await latestUnfinishedScreening(ctx.sql, requesterId);
  if (!id) return null;
  return continueScreening(ctx, { screeningId: id, actorId: requesterId });
}

/** One of the requester's own unfinished screenings, at the page where it stopped (after "Request info": reopened first). */
export async function continueScreening(ctx: ServiceContext, args: { screeningId: string; actorId: string }): Promise<InterviewStep> {
  return onAggregate<InterviewStep>(ctx, {
    key: { screeningId: args.screeningId },
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    decide: (state) =>
      ownEditable<InterviewStep>(state, args.actorId, () => {
        const reopen = decideReopen(state, args.actorId);
        // Everything was answered before: show the review, from which any page can be edited.
        if (reopen) return { commit: reopen, answer: (after) => stepOf(ctx.ruleSet, after, null) };
        return { done: resumeStep(ctx.ruleSet, state) };
      }),
  });
}

/** Shows a page of the requester's own editable screening without saving anything (Edit from the review). */
export async function showPage(ctx: ServiceContext, args: { screeningId: string; actorId: string; pageId: string; direction?: "back" }): Promise<InterviewStep> {
  return onAggregate<InterviewStep>(ctx, {
    key: { screeningId: args.screeningId },
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    decide: (state) =>
      ownEditable(state, args.actorId, () => {
        const pageId = args.direction === "back" ? (previousPage(ctx.ruleSet, state.answers, args.pageId)?.page.id ?? args.pageId) : args.pageId;
        return { done: stepOf(ctx.ruleSet, state, pageId) };
      }),
  });
}

/**
 * Back from a page: what was typed on it is kept as a draft (domain keepDraft), then the page
 * before it is shown. `raw` holds only the questions the modal reported; nothing reported,
 * nothing written.
 */
export async function goBack(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; pageId: string; raw: PageDraft; requestKey: string },
): Promise<InterviewStep> {
  const previousOf = (state: AggregateState) => stepOf(ctx.ruleSet, state, previousPage(ctx.ruleSet, state.answers, args.pageId)?.page.id ?? args.pageId);
  if (Object.keys(args.raw).length === 0) return showPage(ctx, { ...args, direction: "back" });
  return onAggregate<InterviewStep>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    // A replayed click: show where the first one led.
    replay: (state) => {
      const refused = refuseUnlessOwnEditable(state, args.actorId);
      return refused ? refusal(ctx, refused, args.actorId, state.screening.id) : previousOf(state);
    },
    decide: (state) =>
      ownEditable<InterviewStep>(state, args.actorId, async () => {
        const back = decideBack(ctx.ruleSet, state, { pageId: args.pageId, raw: args.raw, actorId: args.actorId });
        if (back.change) return { commit: back.change, answer: previousOf };
        if (back.audit.length > 0) await appendAudit(ctx.sql, back.audit.map((e) => ({ ...e, screeningId: state.screening.id })), ctx.now());
        return { done: previousOf(state) };
      }),
  });
}

export type SavePageResult = { kind: "errors"; errors: Record<string, string> } | InterviewStep;

/**
 * Saves one page's answers (raw values as read from the modal) and returns the next step.
 * Nothing invalid is saved: any invalid answer returns field errors and writes nothing.
 */
export async function savePage(
  ctx: ServiceContext,
  args: { screeningId: string; pageId: string; actorId: string; raw: Record<string, string | string[] | undefined>; requestKey: string },
): Promise<SavePageResult> {
  return onAggregate<SavePageResult>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    // A replayed submission of a page already saved: answer with where the interview stands now.
    replay: (state) => {
      if (refuseUnlessOwnEditable(state, args.actorId)) throw new ServiceError("not_editable", "This page was already saved.");
      return stepOf(ctx.ruleSet, state, nextPage(ctx.ruleSet, state.answers, args.pageId)?.page.id);
    },
    decide: (state) =>
      ownEditable(state, args.actorId, async (): Promise<Step<SavePageResult>> => {
        const decided = decideSavePage(ctx.ruleSet, state, args);
        if (decided.kind === "not_in_force") return { done: resumeStep(ctx.ruleSet, state) };
        if (decided.kind === "errors") {
          if (decided.audit.length > 0) await appendAudit(ctx.sql, decided.audit.map((e) => ({ ...e, screeningId: state.screening.id })), ctx.now());
          return { done: { kind: "errors", errors: decided.errors } };
        }
        const change = decided.change;
        // A page that names parties: they are screened now, and the record says what was found
        // (the requester is not told: a potential match is for compliance to resolve).
        const page = ctx.ruleSet.questionnaire.pages.find((p) => p.id === args.pageId);
        if (ctx.partyLists && page?.questions.some((q) => q.party !== undefined && decided.changed.includes(q.id))) {
          const parties = await screenParties(await listsInForce(ctx.partyLists), ctx.prisma, ctx.ruleSet, decided.answers);
          change.audit.push({
            actorId: args.actorId,
            type: "parties.screened",
            data: {
              page: args.pageId,
              names: parties.record.names,
              screened: parties.record.screened,
              listSet: parties.record.listSet?.contentHash.slice(0, 12) ?? null,
              potentialMatches: parties.record.matches.filter((m) => m.resolution === undefined).length,
            },
          });
        }
        return { commit: change, answer: (after) => stepOf(ctx.ruleSet, after, decided.nextPageId) };
      }),
  });
}

/**
 * The requester closed the modal ("Save & close", or the modal's own close): what was typed on
 * the open page is kept as a draft, the page is remembered for `/screening resume`, and a DM
 * tells them their screening is saved and how to continue.
 */
export async function pauseScreening(
  ctx: ServiceContext,
  args: { screeningId: string; actorId: string; pageId: string | null; raw?: PageDraft | undefined; requestKey?: string | undefined },
): Promise<void> {
  await onAggregate<void>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    replay: () => undefined,
    decide: (state) => ownEditable(state, args.actorId, () => ({ commit: decidePause(ctx.ruleSet, state, args), answer: () => undefined })),
  });
}

export type SubmitResult =
  | { kind: "incomplete"; step: InterviewStep; missing: MissingAnswer[] }
  | { kind: "submitted"; screening: ScreeningRecord; result: ScoringResult; escalated: boolean; resubmission: boolean };

export async function submitScreening(ctx: ServiceContext, args: { screeningId: string; actorId: string; requestKey: string }): Promise<SubmitResult> {
  await storageChecked(() => ensureRuleSetStored(ctx));
  return onAggregate<SubmitResult>(ctx, {
    key: { screeningId: args.screeningId },
    requestKey: args.requestKey,
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    // A double-click on Submit: report the outcome of the first one.
    replay: (state) => {
      const scoring = state.screening.scoring;
      if (!scoring) throw new ServiceError("conflict", "This screening was already submitted.");
      return { kind: "submitted", screening: state.screening, result: scoring, escalated: state.escalation !== null, resubmission: (state.escalation?.round ?? 1) > 1 };
    },
    decide: (state) =>
      ownEditable(state, args.actorId, async (): Promise<Step<SubmitResult>> => {
        const unfit = checkSubmittable(ctx.ruleSet, state);
        if (unfit?.kind === "refused") return { refuse: unfit.refusal, actorId: args.actorId };
        if (unfit) return { done: { kind: "incomplete", missing: unfit.missing, step: stepOf(ctx.ruleSet, state, unfit.missing[0]?.pageId) } };
        // The parties are screened again at submission: the list set or the answers may have changed.
        const parties = await screenParties(await listsInForce(ctx.partyLists), ctx.prisma, ctx.ruleSet, state.answers);
        const result: ScoringResult = { ...scoreScreening(ctx.ruleSet, state.answers, parties.signals), parties: parties.record };
        const decided = decideSubmit(ctx.ruleSet, state, { actorId: args.actorId, result, complianceChannelId: ctx.complianceChannelId, now: ctx.now(), newEscalationId: escalationIdOf(randomUUID()) });
        if (decided.kind === "refused") return { refuse: decided.refusal, actorId: args.actorId };
        if (decided.kind === "incomplete") {
          return { done: { kind: "incomplete", missing: decided.missing, step: stepOf(ctx.ruleSet, state, decided.missing[0]?.pageId) } };
        }
        return {
          commit: decided.change,
          answer: (after) => ({ kind: "submitted", screening: after.screening, result, escalated: decided.escalated, resubmission: decided.resubmission }),
        };
      }),
  });
}

/** After "Request info": the requester reopens the screening to change answers. */
export async function reopenScreening(ctx: ServiceContext, args: { screeningId: string; actorId: string }): Promise<InterviewStep> {
  return onAggregate<InterviewStep>(ctx, {
    key: { screeningId: args.screeningId },
    actorId: args.actorId,
    missing: () => unknownScreening(args.screeningId),
    decide: (state) =>
      ownEditable<InterviewStep>(state, args.actorId, () => {
        const reopen = decideReopen(state, args.actorId);
        // Everything was answered before: show the review, from which any page can be edited.
        if (!reopen) return { done: stepOf(ctx.ruleSet, state, null) };
        return { commit: reopen, answer: (after) => stepOf(ctx.ruleSet, after, null) };
      }),
  });
}

/** Whether a screening exists (for adapters that must tell an unknown id from a refusal). */
export async function screeningExists(ctx: ServiceContext, screeningId: string): Promise<boolean> {
  return (await loadAggregate(ctx.sql, { screeningId })) !== null;
}

/** The rule set as plain JSON, as stored with the screenings scored by it (worked out once per rule set). */
export const ruleSetContent: (ruleSet: RuleSet) => unknown = perObject((ruleSet: RuleSet): unknown => JSON.parse(JSON.stringify(ruleSet)));
