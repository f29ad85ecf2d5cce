// Loads a rule set from a folder of YAML files: parse (keeping line numbers), validate each file
// with its zod schema, cross-check the files against each other, prove every page, question,
// factor and hard stop can actually apply, and give the result a content hash as its version.
// Every problem in every file is reported at once, each at file:line:column.
import { createHash } from "node:crypto";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import type { z } from "zod";
import {
  CountriesFileSchema,
  CountryAssessmentsFileSchema,
  CountryRiskFileSchema,
  ItemCategoriesFileSchema,
  QuestionnaireSchema,
  RiskModelSchema,
  type CountryRecord,
  type RiskModel,
  type RuleSet,
} from "../domain/rule-set.js";
import { crossCheck, type Checked } from "./cross-checks.js";
import { formatProblem, sortProblems, type RuleProblem } from "./problems.js";
import { SatisfiabilityChecker } from "./satisfiability.js";
import { problemAt, parseYaml, type YamlSource } from "./yaml-source.js";
import type { PathSegment } from "./problems.js";
import { schemaProblems, topLevelKeys } from "./zod-problems.js";

export { formatProblem, type RuleProblem };

export type RuleSetLoad = { ok: true; ruleSet: RuleSet } | { ok: false; problems: RuleProblem[] };

/** The files of a rule set folder. Any other *.yml / *.yaml file there is an error. */
export const RULE_FILES = {
  questionnaire: "questionnaire.yml",
  riskModel: "risk-model.yml",
  countries: "countries.yml",
  itemCategories: "item-categories.yml",
  /** optional: the operator's own country risk levels, merged into countries as operator_risk */
  countryRisk: "country-risk.local.yml",
  /** optional: compliance's country assessments (legal framework, record), merged into countries as assessment */
  countryAssessments: "country-assessments.local.yml",
} as const;

const REQUIRED_FILES: readonly string[] = [RULE_FILES.questionnaire, RULE_FILES.riskModel, RULE_FILES.countries, RULE_FILES.itemCategories];
const KNOWN_FILES: readonly string[] = Object.values(RULE_FILES);
const EXPECTED = `a rule set folder holds exactly ${REQUIRED_FILES.join(", ")} and optionally ${RULE_FILES.countryRisk} and ${RULE_FILES.countryAssessments}`;

/** Reads and checks the rule set in `dir`. Never throws for problems in the rules themselves. */
/**
 * Reads and checks the rule set in `dir`. The files are read synchronously: a rule set is a few
 * small files, read once before the bot serves anything (and by the CLIs).
 */
export async function loadRuleSet(dir: string): Promise<RuleSetLoad> {
  return loadRuleSetSync(dir);
}

/** loadRuleSet for scripts and tests that cannot await. */
export function loadRuleSetSync(dir: string): RuleSetLoad {
  let names: string[];
  try {
    if (!statSync(dir).isDirectory()) return folderProblem(dir, "not a folder; expected the folder holding the rule set");
    names = readdirSync(dir);
  } catch (e) {
    return folderProblem(dir, folderError(e));
  }
  const files: Record<string, string> = {};
  for (const name of names.filter(isYamlName)) {
    const path = join(dir, name);
    try {
      if (!statSync(path).isFile()) continue;
      files[name] = readFileSync(path, "utf8");
    } catch (e) {
      return folderProblem(path, `cannot read the file (${errorCode(e)})`);
    }
  }
  return checkRuleSetFiles(dir, files);
}

/**
 * Checks a rule set given as the texts of the YAML files of its folder (file name → text).
 * `dir` only prefixes file names in problems. Pure apart from hashing.
 */
export function checkRuleSetFiles(dir: string, files: Readonly<Record<string, string>>): RuleSetLoad {
  const problems: RuleProblem[] = [];
  const fileOf = (name: string) => join(dir, name);

  for (const name of Object.keys(files)) {
    if (!KNOWN_FILES.includes(name)) {
      const meant = KNOWN_FILES.find((k) => k.replace(/\.yml$/, "") === name.replace(/\.ya?ml$/i, "").toLowerCase());
      problems.push(fileProblem(fileOf(name), `unexpected file; ${EXPECTED}${meant ? ` (did you mean ${meant}?)` : ""}`));
    }
  }
  for (const name of REQUIRED_FILES) {
    if (files[name] === undefined) problems.push(fileProblem(fileOf(name), `missing file; ${EXPECTED}`));
  }

  const load = <S extends z.ZodType>(name: string, schema: S): Checked<z.output<S>> | undefined => {
    const text = files[name];
    if (text === undefined) return undefined;
    const parsed = parseYaml(fileOf(name), text);
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      return undefined;
    }
    const result = schema.safeParse(parsed.data);
    if (!result.success) {
      if (parsed.data === null || parsed.data === undefined) {
        problems.push(problemAt(parsed.source, [], `the file is empty; expected a mapping with the keys ${(topLevelKeys(schema) ?? []).join(", ")}`));
      } else {
        problems.push(...schemaProblems(parsed.source, schema, parsed.data, result.error.issues));
      }
      return undefined;
    }
    problems.push(...draftMarkers(parsed.source, result.data));
    return { source: parsed.source, value: result.data };
  };

  const questionnaire = load(RULE_FILES.questionnaire, QuestionnaireSchema);
  const riskModel = load(RULE_FILES.riskModel, RiskModelSchema);
  const countries = load(RULE_FILES.countries, CountriesFileSchema);
  const itemCategories = load(RULE_FILES.itemCategories, ItemCategoriesFileSchema);
  const countryRisk = load(RULE_FILES.countryRisk, CountryRiskFileSchema);
  const countryAssessments = load(RULE_FILES.countryAssessments, CountryAssessmentsFileSchema);

  const checked = crossCheck({ questionnaire, riskModel, countries, itemCategories, countryRisk, countryAssessments });
  problems.push(...checked.problems);

  if (questionnaire && countries && itemCategories && !checked.questionnaireUnsound) {
    const draft: RuleSet = {
      version: "",
      label: questionnaire.value.label,
      questionnaire: questionnaire.value,
      riskModel: riskModel?.value ?? EMPTY_RISK_MODEL,
      countries: mergeOperatorData(countries.value.countries, countryRisk?.value, countryAssessments?.value),
      countryFacts: countries.value.facts,
      countryRisk: countryRisk?.value,
      itemCategories: itemCategories.value.item_categories,
    };
    const model = riskModel?.value;
    // Operator risk levels are the operator's to change (and may leave a level unused), so a
    // condition on them is never reported as impossible.
    const sat = new SatisfiabilityChecker(draft, [...(model?.factors ?? []), ...(model?.hard_stops ?? [])].map((x) => x.when), {
      operatorRiskKnown: false,
    });
    const { source } = questionnaire;
    questionnaire.value.pages.forEach((page, p) => {
      if (page.when && !checked.taintedConditions.has(`page:${page.id}`) && sat.page(page) === "never") {
        problems.push(problemAt(source, ["pages", p, "when"], `page "${page.id}" is never shown: no combination of earlier answers makes this condition hold`));
        return;
      }
      page.questions.forEach((q, i) => {
        if (!q.when || checked.taintedConditions.has(`question:${q.id}`)) return;
        if (sat.question(page, q) === "never") {
          problems.push(
            problemAt(
              source,
              ["pages", p, "questions", i, "when"],
              `question "${q.id}" is never shown: no combination of earlier answers makes this condition hold${page.when ? " while its page is shown" : ""}`,
            ),
          );
        }
      });
    });
    if (riskModel && model) {
      const rs = riskModel.source;
      model.factors.forEach((f, i) => {
        if (!checked.taintedConditions.has(`factor:${f.id}`) && sat.condition(f.when) === "never") {
          problems.push(problemAt(rs, ["factors", i, "when"], `factor "${f.id}" can never fire: no combination of answers makes this condition hold`));
        }
      });
      model.hard_stops.forEach((h, i) => {
        if (!checked.taintedConditions.has(`hard_stop:${h.id}`) && sat.condition(h.when) === "never") {
          problems.push(problemAt(rs, ["hard_stops", i, "when"], `hard stop "${h.id}" can never fire: no combination of answers makes this condition hold`));
        }
      });
    }
  }

  if (problems.length > 0 || !questionnaire || !riskModel || !countries || !itemCategories) {
    return { ok: false, problems: sortProblems(problems) };
  }

  const content = {
    questionnaire: questionnaire.value,
    riskModel: riskModel.value,
    countries: mergeOperatorData(countries.value.countries, countryRisk?.value, countryAssessments?.value),
    countryFacts: countries.value.facts,
    itemCategories: itemCategories.value.item_categories,
    countryRisk: countryRisk?.value,
    countryAssessments: countryAssessments
      ? { source: countryAssessments.value.source, as_of: countryAssessments.value.as_of, count: Object.keys(countryAssessments.value.countries).length }
      : undefined,
  };
  return {
    ok: true,
    ruleSet: { version: contentHash(content), label: questionnaire.value.label, ...content },
  };
}

// ---------------------------------------------------------------------------------------------

/** A note an author left for later, e.g. "[verify]", "[TODO: check]", "[tbd]". */
export const DRAFT_MARKER = /\[\s*(verify|todo|tbd)\b[^\]]*\]/i;

/**
 * Every text of a rule file reaches a person somewhere (a question, a hint, a rationale or a
 * source shown to approvers), so no value may carry a draft marker: either the text is checked
 * and stated precisely, or it is not shipped. YAML comments are not shown and are not checked.
 */
function draftMarkers(source: YamlSource, data: unknown, path: PathSegment[] = []): RuleProblem[] {
  if (typeof data === "string") {
    const m = DRAFT_MARKER.exec(data);
    return m ? [problemAt(source, path, `contains the draft marker "${m[0]}": check the text against its source and state it precisely, or remove it`)] : [];
  }
  if (Array.isArray(data)) return data.flatMap((v, i) => draftMarkers(source, v, [...path, i]));
  if (data !== null && typeof data === "object") return Object.entries(data).flatMap(([k, v]) => draftMarkers(source, v, [...path, k]));
  return [];
}

/** JSON with object keys sorted at every level and undefined members left out: equal content, equal text. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") {
    if (typeof value === "number" && !Number.isFinite(value)) return "null";
    return JSON.stringify(value) ?? "null";
  }
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value)
    .filter(([, v]) => v !== undefined && typeof v !== "function")
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** sha256 (hex, 64 characters) of the canonical JSON of `content`. */
export function contentHash(content: unknown): string {
  return createHash("sha256").update(canonicalJson(content)).digest("hex");
}

/** The first 12 hex characters of a version, for display. */
export function shortVersion(version: string): string {
  return version.slice(0, 12);
}

/**
 * A loaded rule set with a (validated) country-assessments file applied, as the loader applies
 * country-assessments.local.yml. For tests and scenarios that supply their own assessments.
 */
export function withCountryAssessments(ruleSet: RuleSet, file: z.infer<typeof CountryAssessmentsFileSchema>): RuleSet {
  const countries = mergeOperatorData(ruleSet.countries.map(({ assessment: _dropped, ...c }) => c), undefined, file);
  return {
    ...ruleSet,
    countries,
    countryAssessments: { source: file.source, as_of: file.as_of, count: Object.keys(file.countries).length },
  };
}

/** The shipped country facts with the operator's risk levels and compliance's assessments merged in. */
function mergeOperatorData(
  countries: readonly CountryRecord[],
  risk: z.infer<typeof CountryRiskFileSchema> | undefined,
  assessments: z.infer<typeof CountryAssessmentsFileSchema> | undefined,
): CountryRecord[] {
  return countries.map((c) => {
    const record: CountryRecord = { ...c };
    const level = risk?.levels[c.code];
    if (level) record.operator_risk = level;
    const assessment = assessments?.countries[c.code];
    if (assessments && assessment) {
      record.assessment = { ...assessment, source: assessment.source ?? assessments.source, as_of: assessment.as_of ?? assessments.as_of };
    }
    return record;
  });
}

const EMPTY_RISK_MODEL: RiskModel = {
  groups: [],
  answer_scores: [],
  factors: [],
  hard_stops: [],
  tiers: [],
  hard_stop_tier: "none",
  approval_conditions: [],
};

function isYamlName(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !name.startsWith(".");
}

function fileProblem(file: string, message: string): RuleProblem {
  return { file, line: 0, column: 0, key: "", message };
}

function folderProblem(path: string, message: string): RuleSetLoad {
  return { ok: false, problems: [fileProblem(path, message)] };
}

function folderError(e: unknown): string {
  const code = errorCode(e);
  return code === "ENOENT" ? "no such folder; expected the folder holding the rule set" : `cannot read the rule set folder (${code})`;
}

function errorCode(e: unknown): string {
  if (e instanceof Error && "code" in e && typeof e.code === "string") return e.code;
  return e instanceof Error ? e.message : String(e);
}
