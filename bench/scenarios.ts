// The transactions the simulated requesters screen: the escalating ones (medium and high tier)
// of the rules' scenario suite, a YAML data set kept next to the rules' tests and updated with
// the rules. Only the YAML is read; no test code is imported.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { readAnswers } from "../src/cli/score.js";
import type { Answers, RuleSet } from "../src/domain/rule-set.js";
import { interviewState } from "../src/domain/interview.js";
import { scoreScreening } from "../src/domain/scoring.js";
import type { AnswerInput } from "./fill.js";

export const SCENARIOS_DIR = "test/rules/scenarios";

const ScenarioFile = z.object({
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
});

export interface BenchScenario {
  name: string;
  tier: string;
  /** decisions needed to close the escalation (1 or 2) */
  approvals: number;
  /** answers as a person enters them in the form */
  input: Record<string, AnswerInput>;
  /** the same answers as the domain reads them */
  answers: Answers;
  /** questionnaire pages this transaction goes through */
  pages: number;
}

/** Every scenario in `dir`, checked against the rule set (a scenario the rules refuse is an error). */
export function loadScenarios(ruleSet: RuleSet, dir = SCENARIOS_DIR): BenchScenario[] {
  const names = readdirSync(dir)
    .filter((f) => f.endsWith(".yml"))
    .sort();
  return names.map((file) => {
    const path = join(dir, file);
    const text = readFileSync(path, "utf8");
    const parsed = ScenarioFile.parse(parse(text));
    const read = readAnswers(ruleSet, path, text);
    if (!read.ok) throw new Error(`${path}: the rule set refuses these answers: ${read.problems.map((p) => p.message).join("; ")}`);
    // The outcome under the rules the bench drives (a scenario's own country assessments are
    // not part of them, so its stated tier may differ).
    const result = scoreScreening(ruleSet, read.answers);
    return {
      name: file.replace(/\.yml$/, ""),
      tier: result.tier.id,
      approvals: result.approvalsRequired,
      input: parsed.answers,
      answers: read.answers,
      pages: interviewState(ruleSet, read.answers).pages.length,
    };
  });
}

/** The scenarios a load test drives: escalated to compliance, decided by one or two approvers. */
export function escalatingScenarios(all: readonly BenchScenario[]): BenchScenario[] {
  const chosen = all.filter((s) => (s.tier === "medium" || s.tier === "high") && (s.approvals === 1 || s.approvals === 2));
  if (chosen.length === 0) throw new Error("no medium or high scenario with 1 or 2 approvals to drive");
  return chosen;
}
