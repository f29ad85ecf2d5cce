// Records, answers and view state for builder and parser tests.
import { escalationIdOf, screeningIdOf } from "../../../src/domain/ids.js";
import type { View } from "@slack/types";
import type { DecisionOutcome, EscalationStatus } from "../../../src/domain/approval-policy.js";
import { interviewState, optionsOf } from "../../../src/domain/interview.js";
import type { DecisionRecord, EscalationRecord, ScreeningDetail, ScreeningRecord } from "../../../src/domain/records.js";
import type { AnswerValue, Answers, Question, RuleSet } from "../../../src/domain/rule-set.js";
import { scoreScreening } from "../../../src/domain/scoring.js";
import type { ScreeningStatus } from "../../../src/domain/screening.js";

/** User text that would mention everyone and disguise a link if it were not escaped. */
export const INJECTION = "<!channel> <@U1> <https://x|y> & co";
export const INJECTION_ESCAPED = "&lt;!channel&gt; &lt;@U1&gt; &lt;https://x|y&gt; &amp; co";

export const SCREENING_ID = screeningIdOf("0b9f6c1e-3c1a-4d2e-9f00-1234567890ab");
export const ESCALATION_ID = escalationIdOf("7d3e2a10-5b6c-4f7a-8e9d-abcdefabcdef");
export const REQUESTER = "U0REQUESTER";
export const APPROVER_A = "U0APPROVERA";
export const APPROVER_B = "W0APPROVERB";

const T0 = new Date("2026-03-02T09:30:00Z");

export function screeningRecord(overrides: Partial<ScreeningRecord> = {}): ScreeningRecord {
  return {
    id: SCREENING_ID,
    reference: "DD-2026-0007",
    requesterId: REQUESTER,
    status: "draft",
    currentPage: null,
    ruleSetHash: "f".repeat(64),
    score: null,
    tier: null,
    hardStop: false,
    scoring: null,
    version: 1,
    createdAt: T0,
    updatedAt: T0,
    submittedAt: null,
    closedAt: null,
    ...overrides,
  };
}

export function decisionRecord(overrides: Partial<DecisionRecord> & { outcome: DecisionOutcome }): DecisionRecord {
  return {
    id: `d-${Math.random().toString(16).slice(2)}`,
    round: 1,
    deciderId: APPROVER_A,
    rationale: "Checked the end user.",
    conditions: [],
    conditionsText: null,
    authorisation: null,
    createdAt: new Date("2026-03-03T10:00:00Z"),
    ...overrides,
  };
}

export function escalationRecord(overrides: Partial<EscalationRecord> = {}): EscalationRecord {
  return {
    id: ESCALATION_ID,
    screeningId: SCREENING_ID,
    channelId: "C0COMPLIANCE",
    messageTs: "1700000000.000100",
    requiredApprovals: 2,
    status: "open",
    round: 1,
    version: 1,
    createdAt: new Date("2026-03-02T10:00:00Z"),
    closedAt: null,
    decisions: [],
    ...overrides,
  };
}

/** Answers to the tiny rule set that reach the "high" tier (two approvals). */
export function tinyHighRiskAnswers(endUser = "Ministry of Interior, cyber unit"): Record<string, AnswerValue> {
  return {
    item: "spyware",
    destination: "DE",
    end_user: endUser,
    value: 250000,
    delivery: "2026-06-30",
    end_user_type: "intelligence",
    functions: ["intercept", "locate"],
    reported_misuse: "yes",
    misuse_details: "Reports of journalists targeted.",
    hr_clause: "no",
    audit_rights: "no",
  };
}

/** A scored screening with its answers, and an escalation in `status` with `decisions`. */
export function escalatedDetail(
  ruleSet: RuleSet,
  args: {
    answers?: Record<string, AnswerValue>;
    status?: EscalationStatus;
    screeningStatus?: ScreeningStatus;
    decisions?: DecisionRecord[];
    round?: number;
    closedAt?: Date | null;
    escalation?: boolean;
  } = {},
): ScreeningDetail {
  const answers = args.answers ?? tinyHighRiskAnswers();
  const scoring = scoreScreening(ruleSet, answers);
  const screening = screeningRecord({
    status: args.screeningStatus ?? "escalated",
    ruleSetHash: ruleSet.version,
    score: scoring.total,
    tier: scoring.tier.id,
    hardStop: scoring.hardStops.length > 0,
    scoring,
    submittedAt: new Date("2026-03-02T10:00:00Z"),
  });
  const escalation =
    args.escalation === false
      ? null
      : escalationRecord({
          requiredApprovals: Math.max(1, scoring.approvalsRequired),
          status: args.status ?? "open",
          round: args.round ?? 1,
          decisions: args.decisions ?? [],
          closedAt: args.closedAt ?? null,
        });
  return { screening, answers, escalation };
}

/**
 * Valid answers to every question of a rule set, chosen by `pick` among the options; free
 * text at its maximum length (the worst case for message sizes).
 */
export function answerEverything(ruleSet: RuleSet, pick: "first" | "last" = "first", text = "x"): Record<string, AnswerValue> {
  const answers: Record<string, AnswerValue> = {};
  for (const page of ruleSet.questionnaire.pages) {
    for (const q of page.questions) answers[q.id] = answerFor(ruleSet, q, pick, text);
  }
  return answers;
}

function answerFor(ruleSet: RuleSet, q: Question, pick: "first" | "last", text: string): AnswerValue {
  const options = optionsOf(ruleSet, q);
  const chosen = pick === "first" ? options[0] : options[options.length - 1];
  switch (q.type) {
    case "single_choice":
    case "country":
      return chosen?.value ?? "";
    case "yes_no":
      return pick === "first" ? "yes" : "no";
    case "multiple_choice":
      return options.map((o) => o.value);
    case "free_text": {
      const max = q.max_length ?? 3000;
      return text.repeat(Math.ceil(max / text.length)).slice(0, max).trim();
    }
    case "date":
      return "2026-03-31";
    case "number":
      return q.max ?? q.min ?? 1000;
  }
}

/** The answers of the strategy that shows the most questions (the largest review). */
export function largestAnswerSet(ruleSet: RuleSet, text = "x"): Answers {
  // Some answers decide the tier early (a hard stop: a destination, a ticked option) and skip
  // pages: also try each multiple choice without one of its options, and other destinations.
  const bases = [answerEverything(ruleSet, "first", text), answerEverything(ruleSet, "last", text)];
  const multi = ruleSet.questionnaire.pages.flatMap((p) => p.questions).filter((q) => q.type === "multiple_choice");
  const variants = bases.flatMap((a) => [
    a,
    ...multi.flatMap((q) => {
      const all = a[q.id];
      return Array.isArray(all) ? all.map((drop) => ({ ...a, [q.id]: all.filter((v) => v !== drop) })) : [];
    }),
  ]);
  const destination = ruleSet.questionnaire.summary.destination;
  const signature = (c: RuleSet["countries"][number]) => JSON.stringify({ ...c, code: "", name: "", aliases: [] });
  const distinct = [...new Map(ruleSet.countries.map((c) => [signature(c), c.code])).values()];
  const candidates = variants.flatMap((a) => [a, ...distinct.map((code) => ({ ...a, [destination]: code }))]);
  const shown = (a: Answers) => interviewState(ruleSet, a).pages.reduce((n, p) => n + p.questions.length, 0);
  return candidates.reduce((best, a) => (shown(a) > shown(best) ? a : best));
}

/**
 * What Slack would send back in view.state.values for a view nobody touched: each input's
 * initial value. Lets a test check that prefill and parsing agree.
 */
export function untouchedStateValues(view: View): Record<string, Record<string, Record<string, unknown>>> {
  const values: Record<string, Record<string, Record<string, unknown>>> = {};
  for (const block of view.blocks) {
    if (block.type !== "input" || !("element" in block) || !block.block_id) continue;
    const e = block.element;
    let state: Record<string, unknown>;
    switch (e.type) {
      case "radio_buttons":
      case "static_select":
        state = { type: e.type, selected_option: e.initial_option ?? null };
        break;
      case "checkboxes":
      case "multi_static_select":
        state = { type: e.type, selected_options: e.initial_options ?? [] };
        break;
      case "plain_text_input":
      case "number_input":
        state = { type: e.type, value: e.initial_value ?? null };
        break;
      case "datepicker":
        state = { type: e.type, selected_date: e.initial_date ?? null };
        break;
      default:
        continue;
    }
    values[block.block_id] = { [e.action_id ?? ""]: state };
  }
  return values;
}
