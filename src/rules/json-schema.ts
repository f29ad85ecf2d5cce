// JSON Schemas of the rule files, generated from the zod schemas that validate them, so that
// editors (the YAML language server, via the `# yaml-language-server: $schema=…` line at the top
// of each file) check a rules file while compliance types it. rules/schema/ holds the generated
// files; `npm run rules:schema` rewrites them and a test fails when they are stale.
import { z } from "zod";
import {
  CountriesFileSchema,
  CountryAssessmentsFileSchema,
  CountryRiskFileSchema,
  ItemCategoriesFileSchema,
  QuestionnaireSchema,
  RiskModelSchema,
} from "../domain/rule-set.js";
import { RULE_FILES } from "./load.js";

const SCHEMAS: ReadonlyArray<{ file: string; title: string; schema: z.ZodType }> = [
  { file: RULE_FILES.questionnaire, title: "Screening questionnaire", schema: QuestionnaireSchema },
  { file: RULE_FILES.riskModel, title: "Risk model", schema: RiskModelSchema },
  { file: RULE_FILES.countries, title: "Countries and their public facts", schema: CountriesFileSchema },
  { file: RULE_FILES.itemCategories, title: "Item categories", schema: ItemCategoriesFileSchema },
  { file: RULE_FILES.countryRisk, title: "Operator country risk levels", schema: CountryRiskFileSchema },
  { file: RULE_FILES.countryAssessments, title: "Compliance's country assessments", schema: CountryAssessmentsFileSchema },
];

/** The schema file name for a rules file: questionnaire.yml → questionnaire.schema.json. */
export function schemaFileName(ruleFile: string): string {
  return ruleFile.replace(/(\.local)?\.yml$/, ".schema.json");
}

/** File name → JSON text (two-space indented, trailing newline) for every rules file. */
export function ruleFileSchemas(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const { file, title, schema } of SCHEMAS) {
    // "input": what an author writes, so fields with defaults are optional.
    const json = { ...z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }), title: `${title} (rules/${file})` };
    out[schemaFileName(file)] = `${JSON.stringify(json, null, 2)}\n`;
  }
  return out;
}
