// The rule-set loader on fixture folders: the valid set loads; each broken case (the valid set
// with one file, or two, changed) reports exactly its problems at file:line:column.
import { afterAll, describe, expect, it } from "vitest";
import { formatProblem, loadRuleSet, loadRuleSetSync, shortVersion } from "../../src/rules/load.js";
import { brokenCases, brokenRuleDir, removeRuleDirs, shortProblem, VALID_DIR } from "./fixtures/rule-dirs.js";

afterAll(removeRuleDirs);

describe("the valid fixture", () => {
  it("loads, with every page, question, factor, tier and country", async () => {
    const loaded = await loadRuleSet(VALID_DIR);
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
    const { ruleSet } = loaded;
    expect(ruleSet.label).toBe("loader fixture");
    expect(ruleSet.questionnaire.pages.map((p) => p.id)).toEqual(["transaction", "end_user", "government", "safeguards"]);
    expect(ruleSet.questionnaire.pages.flatMap((p) => p.questions.map((q) => q.type))).toEqual(
      expect.arrayContaining(["single_choice", "multiple_choice", "yes_no", "country", "free_text", "date", "number"]),
    );
    expect(ruleSet.riskModel.tiers.map((t) => t.id)).toEqual(["low", "medium", "high", "critical"]);
    expect(ruleSet.itemCategories.map((c) => c.value)).toEqual(["spyware", "cameras", "network_monitoring"]);
    expect(ruleSet.countryRisk).toBeUndefined();
    expect(ruleSet.version).toMatch(/^[0-9a-f]{64}$/);
    expect(shortVersion(ruleSet.version)).toBe(ruleSet.version.slice(0, 12));
  });

  it("reads the country code NO as a string (YAML 1.2), not as false", async () => {
    const loaded = await loadRuleSet(VALID_DIR);
    expect(loaded.ok && loaded.ruleSet.countries.map((c) => c.code)).toEqual(["DE", "NO", "US", "CN", "KP"]);
  });

  it("ignores files that are not YAML (the fixture has a README.md)", async () => {
    expect((await loadRuleSet(VALID_DIR)).ok).toBe(true);
  });

  it("loads the same rule set synchronously", async () => {
    const a = await loadRuleSet(VALID_DIR);
    const b = loadRuleSetSync(VALID_DIR);
    expect(a.ok && b.ok && a.ruleSet.version === b.ruleSet.version).toBe(true);
  });
});

/** Each case: the exact `file:line:column: key` of every problem, and a part of its message. */
const EXPECTED: Record<string, Array<[where: string, message: string]>> = {
  "yaml-syntax": [["risk-model.yml:51:5", "YAML syntax: Flow sequence in block collection must be sufficiently indented and end with a ]"]],
  "unknown-key": [
    ["questionnaire.yml:39:5: pages[1].titel", 'unknown key "titel"; expected one of id, title, intro, when, questions (did you mean "title"?)'],
  ],
  "wrong-type": [["risk-model.yml:94:16: tiers[2].min_score", 'expected a number, got a string ("forty")']],
  "missing-key": [["questionnaire.yml:23:9: pages[0].questions[2].source", 'missing required key "source" (expected a string)']],
  "long-title": [["questionnaire.yml:64:12: pages[2].title", "expected at most 24 characters (got 26)"]],
  "duplicate-question-id": [["questionnaire.yml:90:13: pages[3].questions[1].id", 'duplicate question id "hr_clause" (first defined at line 86)']],
  "unknown-question-in-condition": [["questionnaire.yml:81:21: pages[2].questions[1].when.question", 'no question with id "end_user_kind"']],
  "later-page-condition": [
    [
      "questionnaire.yml:45:21: pages[1].questions[0].when.question",
      'conditions may only read answers from earlier pages; "reported_misuse" is on the later page "government" (a cycle: end_user_type → reported_misuse → end_user_type)',
    ],
  ],
  "option-not-in-question": [
    ["questionnaire.yml:67:20: pages[2].when.in[1]", '"army" is not an option of question "end_user_type"; expected one of police, intelligence, private'],
  ],
  "page-never-shown": [
    ["questionnaire.yml:86:7: pages[3].when", 'page "safeguards" is never shown: no combination of earlier answers makes this condition hold'],
  ],
  "option-without-score": [
    [
      "risk-model.yml:23:7: answer_scores[1].options",
      'option "record" of question "functions" has no score; add it with points: 0 if it should not count',
    ],
  ],
  "tier-order": [
    ["risk-model.yml:94:16: tiers[2].min_score", 'tiers must be sorted by min_score, lowest first; 20 is below the previous tier "high" (40)'],
    ["risk-model.yml:95:15: tiers[2].escalate", 'tier "medium" is above the escalating tier "high", so it must escalate too'],
  ],
  "unknown-group": [
    ["risk-model.yml:67:12: factors[2].group", 'no group with id "capabilities"; expected one of capability, destination, safeguards'],
  ],
  "operator-unknown-code": [["country-risk.local.yml:7:3: levels.XK", 'no country with code "XK" in countries.yml']],
  "stray-file": [
    [
      "notes.yml",
      "unexpected file; a rule set folder holds exactly questionnaire.yml, risk-model.yml, countries.yml, item-categories.yml and optionally country-risk.local.yml",
    ],
  ],
  "two-files": [
    ["questionnaire.yml:78:9: pages[2].questions[1].multi_line", 'unknown key "multi_line"; expected one of id, type, label, help, source, required,'],
    ["risk-model.yml:86:16: tiers[0].min_score", "the first tier must start at min_score: 0 (got 5)"],
    ["risk-model.yml:101:17: hard_stop_tier", 'the hard-stop tier must escalate; "medium" does not (expected one of high, critical)'],
  ],
};

describe("broken fixtures", () => {
  it("has an expectation for every broken case folder", async () => {
    expect(await brokenCases()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [name, expected] of Object.entries(EXPECTED)) {
    it(`${name}: reports exactly its problems, at file:line:column`, async () => {
      const loaded = await loadRuleSet(await brokenRuleDir(name));
      if (loaded.ok) throw new Error(`${name} loaded without problems`);
      const lines = loaded.problems.map(shortProblem);
      expect(lines).toHaveLength(expected.length);
      expected.forEach(([where, message], i) => {
        expect(lines[i]?.slice(0, where.length + 2)).toBe(`${where}: `);
        expect(lines[i]).toContain(message);
      });
    });
  }

  it("reports problems from several files at once, sorted by file, then line", async () => {
    const loaded = await loadRuleSet(await brokenRuleDir("two-files"));
    if (loaded.ok) throw new Error("loaded");
    const files = loaded.problems.map((p) => p.file.split("/").pop());
    expect(files).toEqual(["questionnaire.yml", "risk-model.yml", "risk-model.yml"]);
    expect(loaded.problems.map((p) => p.line)).toEqual([78, 86, 101]);
  });

  it("names problems by the path as given: join(dir, file)", async () => {
    const dir = await brokenRuleDir("unknown-group");
    const loaded = await loadRuleSet(dir);
    expect(!loaded.ok && loaded.problems[0]?.file).toBe(`${dir}/risk-model.yml`);
  });
});
