// Answers + rule set → score, tier, hard stops and the trail of every contributing factor
// with its source. Pure and deterministic: the same answers and rule set always give the
// same result, which is what lets a past score be reproduced from the stored rule set.
import { evaluateCondition, type ScreeningSignals } from "./conditions.js";
import { countryFactsFor } from "./reference-facts.js";
import { PartyScreeningRecordSchema, type PartyScreeningRecord } from "./party-matching.js";
import { perObject } from "./memo.js";
import { countriesOf, describeAnswer, interviewState, missingIn, questionIndex, type MissingAnswer } from "./interview.js";
import { z } from "zod";
import { TierSchema, type Answers, type Group, type Question, type RuleSet, type Tier } from "./rule-set.js";

export interface ContributingFactor {
  /** "answer": points for an option chosen; "factor": points for a combination of answers */
  kind: "answer" | "factor";
  group: string;
  questionId?: string;
  /** the answer as a person reads it (option label, country name) */
  answer?: string;
  factorId?: string;
  /** signed: mitigation credits are negative */
  points: number;
  rationale?: string;
  source: string;
}

export interface GroupTotal {
  id: string;
  label: string;
  kind: Group["kind"];
  /** sum of the group's factors before the cap (always ≥ 0) */
  raw: number;
  capped: boolean;
  /** signed contribution to the total after the cap */
  points: number;
}

export interface HardStopHit {
  id: string;
  reason: string;
  source: string;
}

/**
 * A fact from the rules' reference data (country or agency) that the scoring read, as an
 * approver needs it: what it says, where it comes from and how current it is. Requesters are
 * never asked these; compliance keeps them in rules/.
 */
export interface AppliedFact {
  /** what the fact is about, e.g. "Germany" or "Germany: legal framework for surveillance" */
  subject: string;
  /** the fact in plain words, e.g. "Party to the ICCPR", or a gap: "No legal-framework assessment on file" */
  statement: string;
  source: string;
  /** ISO date the fact was last checked; absent for a gap */
  asOf?: string | undefined;
}

export interface ScoringResult {
  ruleSetVersion: string;
  total: number;
  /** the lowest score that escalates (the scale a score is read against) */
  escalationThreshold?: number | undefined;
  /** reference-data facts the scoring read, in the order they matter */
  facts?: AppliedFact[] | undefined;
  /** the parties screened against the restricted-party lists, and what was found (set by the service) */
  parties?: PartyScreeningRecord | undefined;
  /** the tier the score alone reaches */
  scoreTier: Tier;
  /** the tier in force: the hard-stop tier when any hard stop holds and it is higher */
  tier: Tier;
  hardStops: HardStopHit[];
  /** answers first in questionnaire order, then combination factors in rule order */
  factors: ContributingFactor[];
  groups: GroupTotal[];
  escalate: boolean;
  approvalsRequired: number;
  /** required questions in force without an answer (scored anyway, reported) */
  missing: MissingAnswer[];
}

/** `signals`: what screening the parties against the restricted-party lists found, if anything. */
export function scoreScreening(ruleSet: RuleSet, answers: Answers, signals?: ScreeningSignals): ScoringResult {
  const model = ruleSet.riskModel;
  const countries = countriesOf(ruleSet);
  const state = interviewState(ruleSet, answers);
  const { effectiveAnswers } = state;
  const factors: ContributingFactor[] = [];

  const mitigation = mitigationGroups(ruleSet);
  for (const scored of preparedAnswerScores(ruleSet)) {
    const value = effectiveAnswers[scored.questionId];
    if (value === undefined) continue;
    if (typeof value === "string") addAnswerFactor(factors, ruleSet, scored, value);
    else if (Array.isArray(value)) for (const option of value) addAnswerFactor(factors, ruleSet, scored, option);
  }

  for (const factor of model.factors) {
    if (!evaluateCondition(factor.when, effectiveAnswers, countries, signals)) continue;
    factors.push({
      kind: "factor",
      group: factor.group,
      factorId: factor.id,
      points: mitigation.has(factor.group) ? -factor.points : factor.points,
      rationale: factor.rationale,
      source: factor.source,
    });
  }

  const raw = new Map<string, number>();
  for (const f of factors) raw.set(f.group, (raw.get(f.group) ?? 0) + Math.abs(f.points));
  const groups: GroupTotal[] = [];
  let sum = 0;
  for (const g of model.groups) {
    const groupRaw = raw.get(g.id) ?? 0;
    const capped = g.cap !== undefined && groupRaw > g.cap;
    const magnitude = capped ? (g.cap ?? groupRaw) : groupRaw;
    const points = g.kind === "mitigation" ? -magnitude : magnitude;
    sum += points;
    groups.push({ id: g.id, label: g.label, kind: g.kind, raw: groupRaw, capped, points });
  }
  const total = Math.max(0, sum);

  const hardStops: HardStopHit[] = model.hard_stops
    .filter((h) => evaluateCondition(h.when, effectiveAnswers, countries, signals))
    .map((h) => ({ id: h.id, reason: h.reason, source: h.source }));

  const scoreTier = tierForScore(model.tiers, total);
  let tier = scoreTier;
  for (const factor of model.factors) {
    if (factor.minimum_tier === undefined || !factors.some((f) => f.factorId === factor.id)) continue;
    const floor = model.tiers.find((t) => t.id === factor.minimum_tier);
    if (floor && model.tiers.indexOf(floor) > model.tiers.indexOf(tier)) tier = floor;
  }
  if (hardStops.length > 0) {
    const stopTier = model.tiers.find((t) => t.id === model.hard_stop_tier) ?? scoreTier;
    if (model.tiers.indexOf(stopTier) > model.tiers.indexOf(scoreTier)) tier = stopTier;
  }

  const destination = effectiveAnswers[ruleSet.questionnaire.summary.destination];
  const country = typeof destination === "string" ? countries(destination) : undefined;

  return {
    ruleSetVersion: ruleSet.version,
    total,
    escalationThreshold: escalationThreshold(model.tiers),
    facts: country ? countryFactsFor(ruleSet, country) : [],
    scoreTier,
    tier,
    hardStops,
    factors,
    groups,
    escalate: tier.escalate || hardStops.length > 0,
    approvalsRequired: tier.escalate || hardStops.length > 0 ? tier.approvals_required : 0,
    missing: missingIn(state),
  };
}

/** Ids of the groups whose points are credits (subtracted). */
const mitigationGroups = perObject((ruleSet: RuleSet): ReadonlySet<string> => new Set(ruleSet.riskModel.groups.filter((g) => g.kind === "mitigation").map((g) => g.id)));

/** The highest tier whose min_score the total reaches (tiers are validated ascending from 0). */
export function tierForScore(tiers: readonly Tier[], total: number): Tier {
  let found = tiers[0];
  for (const t of tiers) if (total >= t.min_score) found = t;
  if (!found) throw new Error("rule set has no tiers"); // unreachable: the schema requires two
  return found;
}

/** The lowest min_score of a tier that escalates (undefined when no tier escalates). */
export function escalationThreshold(tiers: readonly Tier[]): number | undefined {
  return tiers.find((t) => t.escalate)?.min_score;
}

/** "10 — below the escalation threshold of 30": a score with the scale it is read against. */
export function scoreWithScale(result: Pick<ScoringResult, "total" | "escalationThreshold">): string {
  const t = result.escalationThreshold;
  if (t === undefined) return String(result.total);
  return result.total >= t ? `${result.total} — at or above the escalation threshold of ${t}` : `${result.total} — below the escalation threshold of ${t}`;
}

/** Factors by weight (largest risk first, credits last), stable for equal weights. */
export function factorsByWeight(result: Pick<ScoringResult, "factors">): ContributingFactor[] {
  return [...result.factors]
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.points - a.f.points || a.i - b.i)
    .map(({ f }) => f);
}

/** The factors that weigh most, risk before credits, for short summaries. */
export function topFactors(result: ScoringResult, n: number): ContributingFactor[] {
  return factorsByWeight(result).slice(0, n);
}

interface PreparedAnswerScore {
  questionId: string;
  question: Question;
  group: string;
  /** points already signed: negative in a mitigation group */
  options: ReadonlyMap<string, { points: number; rationale?: string | undefined }>;
  source: string;
}

/**
 * The risk model's answer scores in questionnaire order (so factors read like the interview),
 * with their question looked up and zero-point options dropped.
 */
const preparedAnswerScores = perObject((ruleSet: RuleSet): readonly PreparedAnswerScore[] => {
  const questions = questionIndex(ruleSet);
  const mitigation = mitigationGroups(ruleSet);
  const list: Array<PreparedAnswerScore & { order: number }> = [];
  for (const entry of ruleSet.riskModel.answer_scores) {
    const q = questions.get(entry.question);
    if (!q) continue; // the loader refuses this; scoring stays total anyway
    const sign = mitigation.has(entry.group) ? -1 : 1;
    const options = new Map<string, { points: number; rationale?: string | undefined }>();
    for (const [value, scored] of Object.entries(entry.options)) {
      if (scored.points !== 0) options.set(value, { points: sign * scored.points, rationale: scored.rationale });
    }
    list.push({ questionId: entry.question, question: q.question, group: entry.group, options, source: entry.source ?? q.question.source, order: q.order });
  }
  return list.sort((a, b) => a.order - b.order);
});

function addAnswerFactor(factors: ContributingFactor[], ruleSet: RuleSet, scored: PreparedAnswerScore, option: string): void {
  const points = scored.options.get(option);
  if (!points) return;
  const factor: ContributingFactor = {
    kind: "answer",
    group: scored.group,
    questionId: scored.questionId,
    answer: describeAnswer(ruleSet, scored.question, option),
    points: points.points,
    source: scored.source,
  };
  if (points.rationale) factor.rationale = points.rationale;
  factors.push(factor);
}

/** The stored form of a ScoringResult, checked when read back from the database. */
export const ScoringResultSchema: z.ZodType<ScoringResult> = z.object({
  ruleSetVersion: z.string(),
  total: z.number(),
  escalationThreshold: z.number().optional(),
  facts: z.array(z.object({ subject: z.string(), statement: z.string(), source: z.string(), asOf: z.string().optional() })).optional(),
  parties: PartyScreeningRecordSchema.optional(),
  scoreTier: TierSchema,
  tier: TierSchema,
  hardStops: z.array(z.object({ id: z.string(), reason: z.string(), source: z.string() })),
  factors: z.array(
    z.object({
      kind: z.enum(["answer", "factor"]),
      group: z.string(),
      questionId: z.string().optional(),
      answer: z.string().optional(),
      factorId: z.string().optional(),
      points: z.number(),
      rationale: z.string().optional(),
      source: z.string(),
    }),
  ),
  groups: z.array(
    z.object({ id: z.string(), label: z.string(), kind: z.enum(["risk", "mitigation"]), raw: z.number(), capped: z.boolean(), points: z.number() }),
  ),
  escalate: z.boolean(),
  approvalsRequired: z.number(),
  missing: z.array(z.object({ pageId: z.string(), questionId: z.string() })),
});
