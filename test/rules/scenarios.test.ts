// Scenario suite for the shipped rule set in rules/: realistic transactions, each a YAML file in
// test/rules/scenarios/ with the tier, hard stops and score bounds a reviewer expects. Also
// checks properties of the rule content that the loader does not (sources, rationales, coverage
// of every hard stop and tier by the scenarios).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { checkAnswer, interviewState, missingAnswers, questionIndex } from "../../src/domain/interview.js";
import type { AnswerValue, RuleSet } from "../../src/domain/rule-set.js";
import { scoreScreening } from "../../src/domain/scoring.js";
import { checkRuleSetFiles, formatProblem, loadRuleSet, RULE_FILES } from "../../src/rules/load.js";
import { readScenarios, scenarioRuleSet, type Scenario } from "../../src/rules/scenarios.js";

const RULES_DIR = "rules";
const SCENARIO_DIR = join("test", "rules", "scenarios");

const scenarios = readScenarios(SCENARIO_DIR);

/**
 * The shipped rules, without any operator country-risk file a developer may have in rules/
 * (country-risk.local.yml is git-ignored), so that results do not depend on the machine.
 */
function withoutOperatorRisk(ruleSet: RuleSet): RuleSet {
  if (!ruleSet.countryRisk && !ruleSet.countryAssessments) return ruleSet;
  return {
    ...ruleSet,
    countryRisk: undefined,
    countryAssessments: undefined,
    countries: ruleSet.countries.map(({ operator_risk: _ignored, assessment: _alsoIgnored, ...c }) => c),
  };
}

/** Validates a scenario's answers exactly as the Slack modal would, failing with a clear message. */
function checkedAnswers(ruleSet: RuleSet, name: string, raw: Scenario["answers"]): Record<string, AnswerValue> {
  const index = questionIndex(ruleSet);
  const out: Record<string, AnswerValue> = {};
  for (const [id, value] of Object.entries(raw)) {
    const entry = index.get(id);
    if (!entry) throw new Error(`scenario ${name}: no question with id "${id}" in rules/questionnaire.yml`);
    const input = Array.isArray(value) ? value.map(String) : String(value);
    const checked = checkAnswer(ruleSet, entry.question, input);
    if (!checked.ok) throw new Error(`scenario ${name}: answer to "${id}" (${JSON.stringify(value)}) is rejected: ${checked.message}`);
    if (checked.value !== undefined) out[id] = checked.value;
  }
  return out;
}

/** What the issue calls a clearly low-risk deal: a benign item for a civil user and purpose. */
const CLEARLY_BENIGN = {
  items: ["thermal_imaging", "body_worn_camera", "general_it_with_surveillance_use", "alpr"],
  users: ["private_company", "research", "other_government"],
  uses: ["own_network_or_premises", "traffic_public_safety", "research_testing"],
};

let ruleSet: RuleSet;
const shipped = () => ruleSet;

beforeAll(async () => {
  const loaded = await loadRuleSet(RULES_DIR);
  if (!loaded.ok) throw new Error(`rules/ does not load:\n${loaded.problems.map(formatProblem).join("\n")}`);
  ruleSet = withoutOperatorRisk(loaded.ruleSet);
});

describe("rule content", () => {
  it("every question names a source", () => {
    const without = ruleSet.questionnaire.pages.flatMap((p) => p.questions).filter((q) => q.source.trim().length === 0);
    expect(without.map((q) => q.id)).toEqual([]);
  });

  it("every scored option with points > 0 has a rationale", () => {
    const missing = ruleSet.riskModel.answer_scores.flatMap((entry) =>
      Object.entries(entry.options)
        .filter(([, o]) => o.points > 0 && !o.rationale?.trim())
        .map(([option]) => `${entry.question}.${option}`),
    );
    expect(missing).toEqual([]);
  });

  it("every factor and hard stop names a source and a reason", () => {
    for (const f of ruleSet.riskModel.factors) expect(f.source.trim() && f.rationale.trim(), f.id).toBeTruthy();
    for (const h of ruleSet.riskModel.hard_stops) expect(h.source.trim() && h.reason.trim(), h.id).toBeTruthy();
  });

  it("mitigation credits are capped below the width of a tier", () => {
    const tiers = ruleSet.riskModel.tiers;
    const narrowest = Math.min(...tiers.slice(1, -1).map((t, i) => (tiers[i + 2]?.min_score ?? Infinity) - t.min_score));
    for (const g of ruleSet.riskModel.groups.filter((g) => g.kind === "mitigation")) {
      expect(g.cap, `mitigation group ${g.id} needs a cap`).toBeDefined();
      expect(g.cap ?? Infinity).toBeLessThanOrEqual(narrowest);
    }
  });

  it("the summary names the item, destination and end-user questions", () => {
    const index = questionIndex(ruleSet);
    const { item, destination, end_user } = ruleSet.questionnaire.summary;
    expect(index.get(destination)?.question.type).toBe("country");
    expect(index.has(item) && index.has(end_user)).toBe(true);
  });
});

describe("scenario suite", () => {
  it("has at least 20 scenarios", () => {
    expect(scenarios.length).toBeGreaterThanOrEqual(20);
  });

  it("covers every hard stop and every tier", () => {
    const stops = new Set(scenarios.flatMap((s) => s.scenario.expect.hard_stops));
    expect([...stops].sort()).toEqual(ruleSet.riskModel.hard_stops.map((h) => h.id).sort());
    const tiers = new Set(scenarios.map((s) => s.scenario.expect.tier));
    expect([...tiers].sort()).toEqual(ruleSet.riskModel.tiers.map((t) => t.id).sort());
    // a two-approver tier reached by score alone, without a hard stop
    const twoApprovers = ruleSet.riskModel.tiers.filter((t) => t.escalate && t.approvals_required >= 2).map((t) => t.id);
    expect(scenarios.some((s) => s.scenario.expect.hard_stops.length === 0 && twoApprovers.includes(s.scenario.expect.tier))).toBe(true);
  });

  it("keeps to the interview's targets: a clearly low-risk deal in at most 3 pages and 12 questions, a medium one in at most 35", () => {
    for (const { name, scenario } of scenarios) {
      const { tier } = scenario.expect;
      const benign =
        tier === "low" &&
        CLEARLY_BENIGN.items.includes(String(scenario.answers.item_category)) &&
        CLEARLY_BENIGN.users.includes(String(scenario.answers.end_user_type)) &&
        CLEARLY_BENIGN.uses.includes(String(scenario.answers.end_use));
      if (benign) {
        expect(scenario.expect.max_pages, name).toBeLessThanOrEqual(3);
        expect(scenario.expect.max_questions, name).toBeLessThanOrEqual(12);
      }
      if (tier === "low" || tier === "medium") expect(scenario.expect.max_questions, name).toBeLessThanOrEqual(35);
    }
    expect(scenarios.filter((s) => CLEARLY_BENIGN.items.includes(String(s.scenario.answers.item_category))).length).toBeGreaterThanOrEqual(3);
  });

  it("has a pair of scenarios that differ only in safeguards and land in different tiers", () => {
    const mitigationQuestions = new Set(
      ruleSet.riskModel.answer_scores
        .filter((a) => ruleSet.riskModel.groups.find((g) => g.id === a.group)?.kind === "mitigation")
        .map((a) => a.question),
    );
    // questions on the safeguard pages that earn no credit themselves (dates, notes, leverage)
    const index = questionIndex(ruleSet);
    const safeguardPages = new Set(
      [...mitigationQuestions].map((q) => index.get(q)?.page.id).filter((p): p is string => p !== undefined),
    );
    const isSafeguard = (id: string) => safeguardPages.has(index.get(id)?.page.id ?? "");
    const pairs: string[] = [];
    for (const a of scenarios) {
      for (const b of scenarios) {
        if (a.name >= b.name || a.scenario.expect.tier === b.scenario.expect.tier) continue;
        const keys = new Set([...Object.keys(a.scenario.answers), ...Object.keys(b.scenario.answers)]);
        const differing = [...keys].filter(
          (k) => JSON.stringify(a.scenario.answers[k]) !== JSON.stringify(b.scenario.answers[k]),
        );
        if (differing.length > 0 && differing.every(isSafeguard)) pairs.push(`${a.name} / ${b.name}`);
      }
    }
    expect(pairs.length, "no pair of scenarios differs only in safeguards").toBeGreaterThanOrEqual(1);
  });

  describe.each(scenarios)("scenario $name", ({ name, scenario }) => {
    it(`${scenario.description}`, () => {
      const ruleSet = scenarioRuleSet(shipped(), name, scenario);
      const answers = checkedAnswers(ruleSet, name, scenario.answers);

      // A scenario is a complete screening, and answers only questions that are actually shown.
      const { effectiveAnswers } = interviewState(ruleSet, answers);
      const hidden = Object.keys(answers).filter((id) => !(id in effectiveAnswers));
      expect(hidden, `${name} answers questions that are not shown for its answers`).toEqual([]);
      expect(missingAnswers(ruleSet, answers).map((m) => m.questionId), `${name} leaves required questions unanswered`).toEqual([]);

      const shown = interviewState(ruleSet, answers).pages;
      const asked = shown.reduce((n, p) => n + p.questions.length, 0);
      expect(shown.length, `${name}: pages shown`).toBeLessThanOrEqual(scenario.expect.max_pages);
      expect(asked, `${name}: questions asked`).toBeLessThanOrEqual(scenario.expect.max_questions);

      const result = scoreScreening(ruleSet, answers);
      const trail = `${name}: total ${result.total} (${result.groups.map((g) => `${g.id} ${g.points}`).join(", ")}), tier ${result.tier.id}`;
      expect(result.tier.id, trail).toBe(scenario.expect.tier);
      expect(result.hardStops.map((h) => h.id).sort(), trail).toEqual([...scenario.expect.hard_stops].sort());
      if (scenario.expect.min_score !== undefined) expect(result.total, trail).toBeGreaterThanOrEqual(scenario.expect.min_score);
      if (scenario.expect.max_score !== undefined) expect(result.total, trail).toBeLessThanOrEqual(scenario.expect.max_score);
      if (scenario.expect.approvals_required !== undefined) {
        expect(result.approvalsRequired, trail).toBe(scenario.expect.approvals_required);
      }
    });
  });
});

describe("operator country risk (rules/examples/country-risk.example.yml)", () => {
  it("loads next to the shipped rules and raises the score of a destination rated high", () => {
    const files: Record<string, string> = {};
    for (const name of [RULE_FILES.questionnaire, RULE_FILES.riskModel, RULE_FILES.countries, RULE_FILES.itemCategories]) {
      files[name] = readFileSync(join(RULES_DIR, name), "utf8");
    }
    files[RULE_FILES.countryRisk] = readFileSync(join(RULES_DIR, "examples", "country-risk.example.yml"), "utf8");
    const loaded = checkRuleSetFiles(RULES_DIR, files);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
    const withRisk = loaded.ruleSet;
    const high = withRisk.countries.find((c) => c.operator_risk === "high");
    expect(high, "the example rates at least one country high").toBeDefined();

    const base = scenarios.find((s) => s.name === "low_thermal_camera_private_factory");
    if (!base || !high) throw new Error("missing base scenario");
    const answers = checkedAnswers(withRisk, base.name, { ...base.scenario.answers, destination: high.code });
    const result = scoreScreening(withRisk, answers);
    expect(result.factors.map((f) => f.factorId)).toContain("operator_country_risk_high");
  });
});

describe("reference facts reach the approver with their source and date", () => {
  it("lists the destination's public facts and says when no legal-framework assessment is on file", () => {
    const fire = scenarios.find((s) => s.name === "low_thermal_cameras_fire_brigade");
    if (!fire) throw new Error("missing scenario");
    const result = scoreScreening(ruleSet, checkedAnswers(ruleSet, fire.name, fire.scenario.answers));
    const statements = (result.facts ?? []).map((f) => f.statement);
    expect(statements).toContain("Party to the ICCPR; accepts individual complaints (First Optional Protocol)");
    expect(statements.some((s) => s.startsWith("No legal-framework assessment on file for Germany"))).toBe(true);
    for (const f of result.facts ?? []) expect(f.source.length, f.statement).toBeGreaterThan(0);
    expect((result.facts ?? []).filter((f) => f.asOf !== undefined).every((f) => /^\d{4}-\d{2}-\d{2}$/.test(f.asOf ?? ""))).toBe(true);
    // a benign civil deal does not pay for the gap
    expect(result.factors.map((f) => f.factorId)).not.toContain("framework_not_assessed");
  });

  it("shows compliance's assessment with its as_of, and the gap factor only where it is missing", () => {
    const withAssessment = scenarios.find((s) => s.name === "medium_mobile_forensics_state_police");
    const without = scenarios.find((s) => s.name === "high_lawful_interception_police_no_safeguards");
    if (!withAssessment || !without) throw new Error("missing scenario");
    const rs = scenarioRuleSet(ruleSet, withAssessment.name, withAssessment.scenario);
    const a = scoreScreening(rs, checkedAnswers(rs, withAssessment.name, withAssessment.scenario.answers));
    const framework = (a.facts ?? []).find((f) => f.statement.startsWith("Legal framework for surveillance"));
    expect(framework?.asOf).toBe("2026-11-01");
    expect(a.factors.map((f) => f.factorId)).not.toContain("framework_not_assessed");

    const b = scoreScreening(ruleSet, checkedAnswers(ruleSet, without.name, without.scenario.answers));
    expect(b.factors.map((f) => f.factorId)).toContain("framework_not_assessed");
  });
});
