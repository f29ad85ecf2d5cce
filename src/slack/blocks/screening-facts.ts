// Pieces of text about one screening that several surfaces share (escalation message, DMs,
// status summary, Home tab): its summary answers, tier, version, factors and decisions.
// Every piece that carries user-supplied text is escaped here. Pure.
import { OUTCOME_LABELS } from "../../domain/approval-policy.js";
import { issuerText, type Authorisation } from "../../domain/decision-input.js";
import type { AnswerChange } from "../../domain/answer-changes.js";
import { describeAnswer, questionIndex } from "../../domain/interview.js";
import type { DecisionRecord, EscalationRecord, ScreeningRecord } from "../../domain/records.js";
import type { AnswerValue, RuleSet } from "../../domain/rule-set.js";
import { scoreWithScale, type AppliedFact, type ContributingFactor, type HardStopHit } from "../../domain/scoring.js";
import { escapeMrkdwn, safeMrkdwn, slackDate, truncate, userMention } from "./text.js";

export interface SummaryAnswers {
  item?: string | undefined;
  destination?: string | undefined;
  endUser?: string | undefined;
}

/** The answers that summarise a screening, as a person reads them (raw text, NOT escaped). */
export function describeSummary(
  ruleSet: RuleSet | undefined,
  values: { item?: AnswerValue | undefined; destination?: AnswerValue | undefined; endUser?: AnswerValue | undefined },
): SummaryAnswers {
  const describe = (questionId: string | undefined, v: AnswerValue | undefined): string | undefined => {
    if (v === undefined) return undefined;
    if (ruleSet && questionId) {
      const q = questionIndex(ruleSet).get(questionId)?.question;
      if (q) return describeAnswer(ruleSet, q, v);
    }
    return Array.isArray(v) ? v.join(", ") : typeof v === "number" ? v.toLocaleString("en-US") : v;
  };
  const s = ruleSet?.questionnaire.summary;
  return {
    item: describe(s?.item, values.item),
    destination: describe(s?.destination, values.destination),
    endUser: describe(s?.end_user, values.endUser),
  };
}

/** Summary answers read from a screening's full answer set. */
export function summaryFromAnswers(ruleSet: RuleSet, answers: Readonly<Record<string, AnswerValue>>): SummaryAnswers {
  const s = ruleSet.questionnaire.summary;
  return describeSummary(ruleSet, { item: answers[s.item], destination: answers[s.destination], endUser: answers[s.end_user] });
}

/** "Spyware → Germany", escaped, or "" when neither is known. */
export function itemToDestination(summary: SummaryAnswers, max = 300): string {
  const parts = [summary.item, summary.destination].filter((p): p is string => p !== undefined && p !== "");
  return parts.length === 0 ? "" : safeMrkdwn(parts.join(" → "), max);
}

/** The tier's label as scored (the stored result carries it), else its id, else a dash. */
export function tierLabelOf(screening: Pick<ScreeningRecord, "scoring" | "tier">): string {
  return screening.scoring?.tier.label ?? screening.tier ?? "—";
}

/** The score with its scale ("10 — below the escalation threshold of 30"), or a dash before scoring. */
export function scoreOf(screening: Pick<ScreeningRecord, "scoring" | "score">): string {
  if (screening.scoring) return scoreWithScale(screening.scoring);
  return screening.score === null || screening.score === undefined ? "—" : String(screening.score);
}

/** "3f9a0c1b2d4e (2026-11 sample)": the label only when it belongs to that version. */
export function ruleSetVersionText(ruleSet: RuleSet | undefined, hash: string): string {
  const short = escapeMrkdwn(hash.slice(0, 12));
  return ruleSet && ruleSet.version === hash ? `${short} (${safeMrkdwn(ruleSet.label, 80)})` : short;
}

export function groupLabel(ruleSet: RuleSet | undefined, groupId: string): string {
  return ruleSet?.riskModel.groups.find((g) => g.id === groupId)?.label ?? groupId;
}

/** One contributing factor: points, why, the answer, the group and the source. */
export function factorLine(ruleSet: RuleSet | undefined, f: ContributingFactor): string {
  const points = f.points > 0 ? `+${f.points}` : String(f.points);
  const why = f.rationale ?? f.answer ?? f.factorId ?? f.questionId ?? "factor";
  const answer = f.rationale && f.answer ? ` (answer: ${safeMrkdwn(f.answer, 150)})` : "";
  return `• *${points}* ${safeMrkdwn(why, 300)}${answer} · ${safeMrkdwn(groupLabel(ruleSet, f.group), 80)} · Source: _${safeMrkdwn(f.source, 300)}_`;
}

/**
 * A factor as a requester reads it: what raised (or lowered) the score and the answer that did,
 * in plain words. No group or citation: sources are for approvers (View answers, the escalation).
 */
export function plainFactorLine(f: ContributingFactor): string {
  const points = f.points > 0 ? `+${f.points}` : String(f.points);
  const why = f.rationale ?? f.answer ?? f.factorId ?? f.questionId ?? "factor";
  const answer = f.rationale && f.answer ? ` (your answer: ${safeMrkdwn(f.answer, 150)})` : "";
  return `• *${points}* ${safeMrkdwn(why, 300)}${answer}`;
}

/** A hard stop as a requester reads it: the reason, without the citation. */
export function plainHardStopLine(h: HardStopHit): string {
  return `• :no_entry: ${safeMrkdwn(h.reason, 300)}`;
}

export function hardStopLine(h: HardStopHit): string {
  return `• :no_entry: ${safeMrkdwn(h.reason, 300)} · Source: _${safeMrkdwn(h.source, 300)}_`;
}

/** One reference-data fact the scoring read: subject, statement, source and how current it is. */
export function factLine(f: AppliedFact): string {
  const asOf = f.asOf ? ` · as of ${safeMrkdwn(f.asOf, 40)}` : "";
  return `• *${safeMrkdwn(f.subject, 150)}*: ${safeMrkdwn(f.statement, 400)} · Source: _${safeMrkdwn(f.source, 300)}_${asOf}`;
}

/** A stored answer on one line, as a person reads it (raw text, NOT escaped): option labels, no line breaks. */
export function answerText(ruleSet: RuleSet, questionId: string, value: AnswerValue | undefined): string {
  const q = questionIndex(ruleSet).get(questionId)?.question;
  const text = q ? describeAnswer(ruleSet, q, value) : value === undefined ? "(not answered)" : Array.isArray(value) ? value.join(", ") : String(value);
  return text.replace(/\s+/g, " ").trim();
}

/** The label of a question by id (raw text), or the id when the rule set no longer has it. */
export function questionLabel(ruleSet: RuleSet, questionId: string): string {
  return questionIndex(ruleSet).get(questionId)?.question.label ?? questionId;
}

/** "• *Label*: old → new", each part escaped and shortened to `max` characters. */
export function answerChangeLine(ruleSet: RuleSet, change: AnswerChange, max = { label: 150, answer: 300 }): string {
  const before = safeMrkdwn(answerText(ruleSet, change.questionId, change.before), max.answer);
  const after = safeMrkdwn(answerText(ruleSet, change.questionId, change.after), max.answer);
  return `• *${safeMrkdwn(questionLabel(ruleSet, change.questionId), max.label)}*: ${before} → ${after}`;
}

export function conditionLabel(ruleSet: RuleSet | undefined, id: string): string {
  return ruleSet?.riskModel.approval_conditions.find((c) => c.id === id)?.label ?? id;
}

/** "Human-rights clause; Audit rights; <free text>", escaped, or "" when there are none. */
export function conditionsText(ruleSet: RuleSet | undefined, d: Pick<DecisionRecord, "conditions" | "conditionsText">, max = 1000): string {
  const parts = d.conditions.map((c) => conditionLabel(ruleSet, c));
  if (d.conditionsText) parts.push(d.conditionsText);
  return parts.length === 0 ? "" : safeMrkdwn(parts.join("; "), max);
}

/** One decision as mrkdwn: who, outcome, when, rationale, conditions (each part escaped). */
export function decisionText(ruleSet: RuleSet | undefined, d: DecisionRecord, opts: { showRound?: boolean; rationaleMax?: number } = {}): string {
  const round = opts.showRound ? ` (round ${d.round})` : "";
  const lines = [`${userMention(d.deciderId)} · *${OUTCOME_LABELS[d.outcome]}*${round} · ${slackDate(d.createdAt)}`];
  if (d.rationale) lines.push(`>${quoteLines(safeMrkdwn(d.rationale, opts.rationaleMax ?? 1200))}`);
  if (d.authorisation) lines.push(`*Authorisation:* ${authorisationText(d.authorisation)}`);
  const conditions = conditionsText(ruleSet, d, 1000);
  if (conditions) lines.push(`*Conditions:* ${conditions}`);
  return truncate(lines.join("\n"), 3000);
}

/**
 * The licences and authorisations approvals were given under, newest round first, one line each:
 * "• <@U…> · D1234567 · BIS (Commerce) · issued 2026-10-01". Empty when there are none.
 */
export function authorisationLines(escalation: Pick<EscalationRecord, "decisions" | "round"> | null): string[] {
  if (!escalation) return [];
  return [...escalation.decisions]
    .filter((d) => d.authorisation !== null)
    .sort((a, b) => b.round - a.round)
    .flatMap((d) => {
      if (!d.authorisation) return [];
      const round = d.round !== escalation.round ? ` (round ${d.round}, no longer counts)` : "";
      return [`• ${userMention(d.deciderId)}${round} · ${authorisationText(d.authorisation)}`];
    });
}

/** "D1234567 · BIS (Commerce) · issued 2026-10-01", escaped. */
export function authorisationText(a: Authorisation): string {
  return `${safeMrkdwn(a.reference, 120)} · ${safeMrkdwn(issuerText(a), 250)} · issued ${safeMrkdwn(a.issuedOn, 10)}`;
}

/** Keeps a multi-line text inside one block quote. */
export function quoteLines(escaped: string): string {
  return escaped.replace(/\n/g, "\n>");
}

/** "<@A>", "<@A> and <@B>", "<@A>, <@B> and <@C>". */
export function mentionList(ids: readonly string[]): string {
  const m = ids.map(userMention);
  if (m.length <= 1) return m.join("");
  return `${m.slice(0, -1).join(", ")} and ${m[m.length - 1]}`;
}

/**
 * What a requester is told when a name they gave resembles a listed party: never which name or
 * which list (a potential match is not an accusation; compliance resolves it).
 */
export const PARTIES_UNDER_REVIEW = ":mag: Compliance will review the parties named in this deal before it can go ahead. You do not need to do anything now.";
