// The JSON Schemas editors use for rules/*.yml are generated from the zod schemas; a schema
// changed without `npm run rules:schema` leaves editors checking against the old format.
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { RULE_FILES } from "../../src/rules/load.js";
import { ruleFileSchemas, schemaFileName } from "../../src/rules/json-schema.js";

const generated = ruleFileSchemas();

describe("rules/schema", () => {
  it.each(Object.keys(generated))("%s is up to date with src/domain/rule-set.ts (else run npm run rules:schema)", (name) => {
    expect(readFileSync(join("rules", "schema", name), "utf8")).toBe(generated[name]);
  });

  it("holds no schema that no rules file has", () => {
    expect(readdirSync(join("rules", "schema")).sort()).toEqual(Object.keys(generated).sort());
  });

  it("is referenced from the first line of every shipped rules file and example", () => {
    const files = [
      ...[RULE_FILES.questionnaire, RULE_FILES.riskModel, RULE_FILES.countries, RULE_FILES.itemCategories].map((f) => ({ path: join("rules", f), rel: "./schema/", schema: schemaFileName(f) })),
      ...readdirSync(join("rules", "examples")).map((f) => ({
        path: join("rules", "examples", f),
        rel: "../schema/",
        schema: schemaFileName(f.replace(".example.yml", ".local.yml")),
      })),
    ];
    for (const { path, rel, schema } of files) {
      const first = readFileSync(path, "utf8").split("\n")[0];
      expect(first, path).toBe(`# yaml-language-server: $schema=${rel}${schema}`);
    }
  });

  it("describes conditions recursively and rejects unknown keys, as the loader does", () => {
    const q = JSON.parse(generated["questionnaire.schema.json"] ?? "{}") as { additionalProperties?: boolean };
    expect(q.additionalProperties).toBe(false);
    expect(generated["risk-model.schema.json"]).toContain("country_fact");
  });
});
