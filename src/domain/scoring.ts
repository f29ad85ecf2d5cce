// Answers + rule set → score, tier, hard stops and the trail of every contributing factor
// with its source. Pure and deterministic: the same answers and rule set always give the
// same result, which is what lets a past score be reproduced from the stored rule set.
import { evaluateCondition } from "./conditions.js";
import { countriesOf, describeAnswer, interviewState, missingAnswers, questionIndex, type MissingAnswer } from "./interview.js";
import { z } from "zod";
import { TierSchema, type AnswerValue, type Answers, type Group, type RuleSet, type Tier } from "./rule-set.js";

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

export interface ScoringResult {
  ruleSetVersion: string;
  total: number;
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

export function scoreScreening(ruleSet: RuleSet, answers: Answers): ScoringResult {
  const model = ruleSet.riskModel;
  const countries = countriesOf(ruleSet);
  const { effectiveAnswers } = interviewState(ruleSet, answers);
  const questions = questionIndex(ruleSet);
  const factors: ContributingFactor[] = [];

  const scoredInOrder = [...model.answer_scores].sort(
    (a, b) => (questions.get(a.question)?.order ?? 0) - (questions.get(b.question)?.order ?? 0),
  );
  for (const entry of scoredInOrder) {
    const value = effectiveAnswers[entry.question];
    const q = questions.get(entry.question);
    if (value === undefined || !q) continue;
    for (const chosen of chosenValues(value)) {
      const scored = entry.options[chosen];
      if (!scored || scored.points === 0) continue;
      factors.push({
        kind: "answer",
        group: entry.group,
        questionId: entry.question,
        answer: describeAnswer(ruleSet, q.question, chosen),
        points: scored.points,
        ...(scored.rationale ? { rationale: scored.rationale } : {}),
        source: entry.source ?? q.question.source,
      });
    }
  }

  for (const factor of model.factors) {
    if (!evaluateCondition(factor.when, effectiveAnswers, countries)) continue;
    factors.push({
      kind: "factor",
      group: factor.group,
      factorId: factor.id,
      points: factor.points,
      rationale: factor.rationale,
      source: factor.source,
    });
  }

  const groupKind = new Map(model.groups.map((g) => [g.id, g.kind]));
  for (const f of factors) if (groupKind.get(f.group) === "mitigation") f.points = -f.points;

  const groups: GroupTotal[] = model.groups.map((g) => {
    const raw = factors.filter((f) => f.group === g.id).reduce((sum, f) => sum + Math.abs(f.points), 0);
    const capped = g.cap !== undefined && raw > g.cap;
    const magnitude = capped ? (g.cap ?? raw) : raw;
    return { id: g.id, label: g.label, kind: g.kind, raw, capped, points: g.kind === "mitigation" ? -magnitude : magnitude };
  });
  const total = Math.max(0, groups.reduce((sum, g) => sum + g.points, 0));

  const hardStops: HardStopHit[] = model.hard_stops
    .filter((h) => evaluateCondition(h.when, effectiveAnswers, countries))
    .map((h) => ({ id: h.id, reason: h.reason, source: h.source }));

  const scoreTier = tierForScore(model.tiers, total);
  let tier = scoreTier;
  if (hardStops.length > 0) {
    const stopTier = model.tiers.find((t) => t.id === model.hard_stop_tier) ?? scoreTier;
    if (model.tiers.indexOf(stopTier) > model.tiers.indexOf(scoreTier)) tier = stopTier;
  }

  return {
    ruleSetVersion: ruleSet.version,
    total,
    scoreTier,
    tier,
    hardStops,
    factors,
    groups,
    escalate: tier.escalate || hardStops.length > 0,
    approvalsRequired: tier.escalate || hardStops.length > 0 ? tier.approvals_required : 0,
    missing: missingAnswers(ruleSet, answers),
  };
}

/** The highest tier whose min_score the total reaches (tiers are validated ascending from 0). */
export function tierForScore(tiers: readonly Tier[], total: number): Tier {
  let found = tiers[0];
  for (const t of tiers) if (total >= t.min_score) found = t;
  if (!found) throw new Error("rule set has no tiers"); // unreachable: the schema requires two
  return found;
}

/** The factors that weigh most, risk before credits, for short summaries. */
export function topFactors(result: ScoringResult, n: number): ContributingFactor[] {
  return [...result.factors]
    .map((f, i) => ({ f, i }))
    .sort((a, b) => b.f.points - a.f.points || a.i - b.i)
    .slice(0, n)
    .map(({ f }) => f);
}

function chosenValues(value: AnswerValue): string[] {
  if (Array.isArray(value)) return value;
  if (typeof value === "string") return [value];
  return [];
}

/** The stored form of a ScoringResult, checked when read back from the database. */
export const ScoringResultSchema: z.ZodType<ScoringResult> = z.object({
  ruleSetVersion: z.string(),
  total: z.number(),
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
