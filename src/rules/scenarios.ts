// Scenarios: realistic transactions with the outcome compliance expects, one YAML file each
// (test/rules/scenarios/). The scenario suite tests the rules with them, and
// `npm run rules:check -- --paths` shows the interview path each one takes.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { interviewState } from "../domain/interview.js";
import { CountryAssessmentsFileSchema, type AnswerValue, type RuleSet } from "../domain/rule-set.js";
import { scoreScreening } from "../domain/scoring.js";
import { withCountryAssessments } from "./load.js";

export const ScenarioSchema = z.strictObject({
  description: z.string().min(1),
  why: z.string().min(1),
  expect: z.strictObject({
    tier: z.string(),
    hard_stops: z.array(z.string()),
    min_score: z.number().optional(),
    max_score: z.number().optional(),
    approvals_required: z.number().int().optional(),
    /** the longest interview this deal may take: pages shown and questions asked */
    max_pages: z.number().int().min(1),
    max_questions: z.number().int().min(1),
  }),
  /** what compliance has on file for the destination, as rules/country-assessments.local.yml would hold it */
  country_assessments: z.record(z.string(), z.unknown()).optional(),
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.array(z.string())])),
});
export type Scenario = z.infer<typeof ScenarioSchema>;

export const DEFAULT_SCENARIO_DIR = join("test", "rules", "scenarios");

/** Every scenario in `dir`, by file name without .yml, sorted; a malformed file throws, naming it. */
export function readScenarios(dir: string = DEFAULT_SCENARIO_DIR): Array<{ name: string; scenario: Scenario }> {
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort()
    .map((file) => {
      const parsed = ScenarioSchema.safeParse(parse(readFileSync(join(dir, file), "utf8")));
      if (!parsed.success) throw new Error(`scenario ${join(dir, file)} is malformed: ${z.prettifyError(parsed.error)}`);
      return { name: file.replace(/\.yml$/, ""), scenario: parsed.data };
    });
}

/** The rule set with the scenario's own country assessments applied, validated as the operator's file is. */
export function scenarioRuleSet(ruleSet: RuleSet, name: string, scenario: Scenario): RuleSet {
  if (!scenario.country_assessments) return ruleSet;
  const file = CountryAssessmentsFileSchema.safeParse({ source: `scenario ${name}`, as_of: "2026-11-01", countries: scenario.country_assessments });
  if (!file.success) throw new Error(`scenario ${name}: country_assessments is malformed: ${z.prettifyError(file.error)}`);
  return withCountryAssessments(ruleSet, file.data);
}

export interface ScenarioPath {
  name: string;
  expectedTier: string;
  tier: string;
  score: number;
  pages: Array<{ id: string; title: string; questions: string[] }>;
  questions: number;
}

/** The pages and questions the interview shows for a scenario's answers, and what it scores. */
export function scenarioPath(ruleSet: RuleSet, name: string, scenario: Scenario): ScenarioPath {
  const rules = scenarioRuleSet(ruleSet, name, scenario);
  const answers: Record<string, AnswerValue> = { ...scenario.answers };
  const state = interviewState(rules, answers);
  const result = scoreScreening(rules, state.effectiveAnswers);
  const pages = state.pages.map((p) => ({ id: p.page.id, title: p.page.title, questions: p.questions.map((q) => q.id) }));
  return {
    name,
    expectedTier: scenario.expect.tier,
    tier: result.tier.id,
    score: result.total,
    pages,
    questions: pages.reduce((n, p) => n + p.questions.length, 0),
  };
}
