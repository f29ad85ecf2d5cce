// The loader's checks one by one, on in-memory variations of the valid fixture: schema messages,
// cross-references, condition types and order, satisfiability, Slack limits, the content hash.
import { beforeAll, describe, expect, it } from "vitest";
import {
  canonicalJson,
  checkRuleSetFiles,
  formatProblem,
  loadRuleSet,
  shortVersion,
  type RuleSetLoad,
} from "../../src/rules/load.js";
import { validTexts } from "./fixtures/rule-dirs.js";

let VALID: Record<string, string>;
beforeAll(async () => {
  VALID = await validTexts();
});

const Q = "questionnaire.yml";
const R = "risk-model.yml";
const C = "countries.yml";
const I = "item-categories.yml";
const OP = "country-risk.local.yml";
const CA = "country-assessments.local.yml";

function sub(text: string | undefined, from: string, to: string): string {
  if (text === undefined || !text.includes(from)) throw new Error(`fixture text not found: ${from}`);
  return text.replace(from, to);
}

type Edit = Partial<Record<string, [from: string, to: string][] | string | null>>;

/** Loads the valid fixture with edits: a list of replacements, a whole new text, or null to delete. */
function load(edits: Edit = {}): RuleSetLoad {
  const files = { ...VALID };
  for (const [name, edit] of Object.entries(edits)) {
    if (edit === null) delete files[name];
    else if (typeof edit === "string") files[name] = edit;
    else if (edit) for (const [from, to] of edit) files[name] = sub(files[name], from, to);
  }
  return checkRuleSetFiles("rules", files);
}

function problems(edits: Edit): string[] {
  const loaded = load(edits);
  return loaded.ok ? [] : loaded.problems.map(formatProblem);
}

function version(edits: Edit = {}): string {
  const loaded = load(edits);
  if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
  return loaded.ruleSet.version;
}

describe("files in the folder", () => {
  it("reports a missing required file by name, without a position", () => {
    expect(problems({ [I]: null })).toEqual([
      "rules/item-categories.yml: missing file; a rule set folder holds exactly questionnaire.yml, risk-model.yml, countries.yml, item-categories.yml and optionally country-risk.local.yml and country-assessments.local.yml",
    ]);
  });

  it("suggests the expected name for a .yaml look-alike", () => {
    expect(problems({ "questionnaire.yaml": "label: x\n" })[0]).toContain("rules/questionnaire.yaml: unexpected file;");
    expect(problems({ "questionnaire.yaml": "label: x\n" })[0]).toContain("(did you mean questionnaire.yml?)");
  });

  it("reports an empty file with the keys it should have", () => {
    expect(problems({ [I]: "# nothing yet\n" })).toEqual(["rules/item-categories.yml:1:1: the file is empty; expected a mapping with the keys item_categories"]);
  });

  it("reports a file that is a list instead of a mapping", () => {
    expect(problems({ [I]: "- a\n- b\n" })).toEqual(["rules/item-categories.yml:1:1: expected a mapping, got a list"]);
  });

  it("reports a duplicated YAML key with its name", () => {
    expect(problems({ [Q]: [["label: loader fixture\n", "label: loader fixture\nlabel: again\n"]] })).toEqual([
      'rules/questionnaire.yml:4:1: duplicate key "label"; each key may appear once in a mapping',
    ]);
  });

  it("reports a folder that does not exist", async () => {
    const loaded = await loadRuleSet("/nonexistent/rules-folder");
    expect(!loaded.ok && loaded.problems.map(formatProblem)).toEqual([
      "/nonexistent/rules-folder: no such folder; expected the folder holding the rule set",
    ]);
  });
});

describe("schema messages say what is expected", () => {
  it("an enum: the allowed values and what was given", () => {
    expect(problems({ [Q]: [["type: multiple_choice", "type: choice"]] })).toEqual([
      'rules/questionnaire.yml:52:15: pages[1].questions[1].type: expected one of single_choice, multiple_choice, yes_no, country, free_text, date, number (got "choice")',
    ]);
  });

  it("an id: the id format", () => {
    expect(problems({ [R]: [["  - id: large_deal", "  - id: Large-Deal"]] })).toEqual([
      'rules/risk-model.yml:65:9: factors[2].id: expected an id of lowercase letters, digits and _ starting with a letter (at most 63 characters) (got "Large-Deal")',
    ]);
  });

  it("a whole number, an empty text, an empty list", () => {
    expect(
      problems({
        [R]: [
          ["points: 25", "points: 2.5"],
          ["label: Capability", 'label: ""'],
          ["hard_stops:\n  - id: embargoed_destination", "hard_stops_old:\n  - id: embargoed_destination"],
        ],
      }),
    ).toEqual([
      "rules/risk-model.yml:3:12: groups[0].label: expected some text, got an empty string",
      "rules/risk-model.yml:50:13: factors[0].points: expected a whole number, got 2.5",
      'rules/risk-model.yml:74:1: hard_stops_old: unknown key "hard_stops_old"; expected one of groups, answer_scores, factors, hard_stops, tiers, hard_stop_tier, approval_conditions, party_screening, review',
    ]);
  });

  it("a condition: picks the form meant and names its keys", () => {
    expect(
      problems({
        [R]: [["          includes: [intercept, locate]", "          includes: [intercept, locate]\n          incldes: [record]"]],
      }),
    ).toEqual([
      'rules/risk-model.yml:50:11: factors[0].when.all[1].incldes: unknown key "incldes"; expected one of question, equals, in, includes, answered, gte, lte, country_fact, same_as (did you mean "includes"?)',
    ]);
    expect(problems({ [R]: [["          equals: true\n", "          equals: [true]\n"]] })).toEqual([
      "rules/risk-model.yml:47:19: factors[0].when.all[0].equals: expected a string, a number or true/false, got a list",
    ]);
    expect(problems({ [R]: [["        - question: reported_misuse\n          equals: true\n", "        - reported_misuse\n"]] })).toEqual([
      'rules/risk-model.yml:46:11: factors[0].when.all[0]: expected a mapping with one of the keys all, any, not, party_match, question (got a string ("reported_misuse"))',
    ]);
  });

  it("a condition without a test", () => {
    expect(problems({ [Q]: [["          equals: intelligence\n", ""]] })).toEqual([
      "rules/questionnaire.yml:80:11: pages[2].questions[1].when: a condition on a question needs one test: equals, in, includes, answered, gte, lte, country_fact or same_as",
    ]);
  });
});

describe("ids are unique", () => {
  const cases: Array<[string, Edit, string]> = [
    ["pages", { [Q]: [["  - id: safeguards", "  - id: government"]] }, 'pages[3].id: duplicate page id "government" (first defined at line 62)'],
    [
      "options of one question",
      { [Q]: [["          - value: private", "          - value: police"]] },
      'pages[1].questions[0].options[2].value: duplicate option value "police" in question "end_user_type" (first defined at line 45)',
    ],
    ["groups", { [R]: [["  - id: destination", "  - id: capability"]] }, 'groups[1].id: duplicate group id "capability" (first defined at line 2)'],
    ["factors", { [R]: [["  - id: large_deal", "  - id: not_iccpr_party"]] }, 'factors[2].id: duplicate factor id "not_iccpr_party"'],
    [
      "hard stops",
      { [R]: [["    source: Fixture sanctions list\n", "    source: Fixture sanctions list\n  - id: embargoed_destination\n    when: { question: destination, country_fact: itar_126_1 }\n    reason: r\n    source: s\n"]] },
      'hard_stops[1].id: duplicate hard stop id "embargoed_destination"',
    ],
    ["tiers", { [R]: [["  - id: medium", "  - id: low"]] }, 'tiers[1].id: duplicate tier id "low"'],
    ["approval conditions", { [R]: [["  - id: no_reexport", "  - id: end_use_certificate"]] }, 'approval_conditions[1].id: duplicate approval condition id "end_use_certificate"'],
    ["countries", { [C]: [["  - code: US", "  - code: DE"]] }, 'rules/countries.yml:15:11: countries[2].code: duplicate country code "DE" (first defined at line 7)'],
    ["item categories", { [I]: [["  - value: cameras", "  - value: spyware"]] }, 'rules/item-categories.yml:5:12: item_categories[1].value: duplicate item category "spyware"'],
  ];
  for (const [what, edit, message] of cases) {
    it(what, () => {
      const found = problems(edit);
      expect(found.some((p) => p.includes(message))).toBe(true);
    });
  }
});

describe("questions and options", () => {
  it("a choice question needs options or options_from, not both", () => {
    expect(problems({ [Q]: [["        options_from: item_categories\n", ""]] })).toEqual([
      "rules/questionnaire.yml:13:9: pages[0].questions[0].options: a single_choice question needs options (a list) or options_from: item_categories",
    ]);
    expect(
      problems({ [Q]: [["        options_from: item_categories\n", "        options_from: item_categories\n        options:\n          - { value: a, label: A }\n"]] }),
    ).toContain("rules/questionnaire.yml:17:23: pages[0].questions[0].options_from: use either options or options_from, not both");
  });

  it("a question that is not a choice has no options", () => {
    expect(problems({ [Q]: [["        label: Destination country\n", "        label: Destination country\n        options:\n          - { value: de, label: Germany }\n"]] })).toEqual([
      "rules/questionnaire.yml:22:11: pages[0].questions[1].options: a country question takes its options from countries.yml; remove options",
    ]);
  });

  it("the summary names existing questions", () => {
    expect(problems({ [Q]: [["  end_user: end_user_name", "  end_user: end_user_nme"]] })).toEqual([
      'rules/questionnaire.yml:7:13: summary.end_user: no question with id "end_user_nme" (did you mean "end_user_name"?)',
    ]);
  });

  it("a page must fit a Slack modal (about 100 blocks)", () => {
    const many = Array.from(
      { length: 50 },
      (_, i) => `      - id: extra_${i}\n        type: yes_no\n        label: Extra ${i}\n        help: Why it matters\n        source: S\n`,
    ).join("");
    expect(problems({ [Q]: [["  - id: safeguards\n    title: Safeguards\n    questions:\n", `  - id: safeguards\n    title: Safeguards\n    questions:\n${many}`]] })).toEqual([
      "rules/questionnaire.yml:82:5: pages[3]: the page needs about 104 Slack blocks (one per question, one per help text, intro, header and progress); a modal holds at most 100: split the page",
    ]);
  });

  it("does not limit the number of countries (rendered as a grouped or external select)", () => {
    // 150 more two-letter codes that are not used by the fixture (A?–F?)
    const code = (i: number) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`;
    const countries = Array.from({ length: 150 }, (_, i) => code(i))
      .filter((c) => !["DE", "CN"].includes(c))
      .map((c) => `  - code: ${c}\n    name: Country ${c}\n`)
      .join("");
    expect(problems({ [C]: `${VALID[C]}${countries}` })).toEqual([]);
  });
});

describe("conditions", () => {
  const when = (c: string) => ({ [Q]: [["          question: contract_value\n          gte: 1000000\n", c] as [string, string]] });

  it("a test must fit the question's type", () => {
    expect(problems(when("          question: functions\n          equals: intercept\n"))).toEqual([
      'rules/questionnaire.yml:95:19: pages[3].questions[1].when.equals: equals does not fit a multiple_choice question ("functions"); use includes',
    ]);
    expect(problems(when("          question: end_user_type\n          includes: [police]\n"))).toEqual([
      'rules/questionnaire.yml:95:21: pages[3].questions[1].when.includes: includes only fits a multiple_choice question; "end_user_type" is a single_choice question',
    ]);
    expect(problems(when("          question: hr_clause_x\n          gte: 1\n"))[0]).toContain('no question with id "hr_clause_x"');
    expect(problems(when("          question: end_user_type\n          gte: 1\n"))[0]).toContain(
      'pages[3].questions[1].when.gte: gte only fits a number question; "end_user_type" is a single_choice question',
    );
    expect(problems(when("          question: contract_value\n          country_fact: itar_126_1\n"))[0]).toContain(
      'when.country_fact: country_fact only fits a country question; "contract_value" is a number question',
    );
    expect(problems(when("          question: end_user_type\n          equals: true\n"))[0]).toContain(
      'when.equals: equals only fits a yes_no question when it is true or false; "end_user_type" is a single_choice question',
    );
  });

  it("same_as compares two questions of one type on earlier pages", () => {
    expect(problems(when("          question: destination\n          same_as: end_user_name\n"))[0]).toContain(
      'when.same_as: same_as compares questions of one type; "destination" is country and "end_user_name" is free_text',
    );
    expect(problems(when("          question: destination\n          same_as: nowhere\n"))[0]).toContain('no question with id "nowhere"');
    expect(problems(when("          question: destination\n          same_as: destination\n"))).toEqual([]);
  });

  it("values must be options; yes_no options are yes and no; countries must exist", () => {
    expect(problems(when("          question: reported_misuse\n          equals: maybe\n"))[0]).toContain(
      '"maybe" is not an option of question "reported_misuse"; expected one of yes, no',
    );
    // reported_misuse is on an earlier page (government), so only the value is wrong:
    expect(problems(when('          question: reported_misuse\n          in: ["yes", "perhaps"]\n'))).toEqual([
      'rules/questionnaire.yml:95:23: pages[3].questions[1].when.in[1]: "perhaps" is not an option of question "reported_misuse"; expected one of yes, no',
    ]);
    expect(problems(when("          question: destination\n          in: [DE, XX]\n"))).toEqual([
      'rules/questionnaire.yml:95:20: pages[3].questions[1].when.in[1]: no country with code "XX" in countries.yml',
    ]);
    expect(problems(when("          question: item\n          equals: drones\n"))[0]).toContain(
      '"drones" is not an option of question "item"; expected one of spyware, cameras, network_monitoring',
    );
  });

  it("a condition may not read the same page (a same-page dependency cannot update live in a modal)", () => {
    expect(problems(when("          question: hr_clause\n          equals: true\n"))).toEqual([
      'rules/questionnaire.yml:94:21: pages[3].questions[1].when.question: conditions may only read answers from earlier pages; "hr_clause" is on the same page "safeguards"',
    ]);
  });

  it("a question's condition on itself is a cycle", () => {
    expect(problems(when("          question: board_review\n          answered: false\n"))[0]).toContain(
      'conditions may only read answers from earlier pages; "board_review" is this question itself (a cycle)',
    );
  });

  it("a page's condition on its own questions is a cycle", () => {
    expect(
      problems({ [Q]: [["    when:\n      question: end_user_type\n      in: [police, intelligence]\n", "    when:\n      question: reported_misuse\n      answered: true\n"]] }),
    ).toEqual([
      'rules/questionnaire.yml:65:17: pages[2].when.question: conditions may only read answers from earlier pages; "reported_misuse" is on this page itself (a cycle: the page would be shown only after it is answered)',
    ]);
  });

  it("factors and hard stops may read any question", () => {
    expect(problems({ [R]: [["      question: contract_value\n      gte: 1000000\n", "      question: board_review\n      equals: true\n"]] })).toEqual([]);
  });
});

describe("never shown, never fires", () => {
  it("a question whose condition contradicts its page's condition", () => {
    expect(problems({ [Q]: [["          equals: intelligence\n", "          equals: private\n"]] })).toEqual([
      'rules/questionnaire.yml:80:11: pages[2].questions[1].when: question "misuse_details" is never shown: no combination of earlier answers makes this condition hold while its page is shown',
    ]);
  });

  it("a number range that is empty, and one that is narrow but not empty", () => {
    const range = (lo: string, hi: string) => ({
      [Q]: [["          question: contract_value\n          gte: 1000000\n", `          question: contract_value\n          gte: ${lo}\n          lte: ${hi}\n`] as [string, string]],
    });
    expect(problems(range("10.5", "10.25"))[0]).toContain('question "board_review" is never shown');
    expect(problems(range("10.25", "10.5"))).toEqual([]);
    expect(problems(range("-5", "-1"))[0]).toContain("never shown"); // min: 0
  });

  it("multiple choice: needs both values at once, or neither", () => {
    const w = (c: string) => ({ [R]: [["        - question: functions\n          includes: [intercept, locate]\n", c] as [string, string]] });
    expect(problems(w("        - question: functions\n          includes: [intercept]\n        - question: functions\n          includes: [record]\n"))).toEqual([]);
    expect(
      problems(w("        - question: functions\n          includes: [intercept]\n        - not:\n            question: functions\n            includes: [locate, intercept]\n"))[0],
    ).toContain('rules/risk-model.yml:45:7: factors[0].when: factor "misuse_and_intercept" can never fire');
  });

  it("a factor that reads a question on a page that is never in force with it", () => {
    expect(
      problems({
        [R]: [["        - question: reported_misuse\n          equals: true\n", "        - question: reported_misuse\n          equals: true\n        - question: end_user_type\n          equals: private\n"]],
      })[0],
    ).toContain('factor "misuse_and_intercept" can never fire');
  });

  it("a hard stop on a combination of country facts no country has", () => {
    expect(
      problems({
        [R]: [["      country_fact: comprehensive_embargo\n", "      country_fact: comprehensive_embargo\n      in: [DE, US]\n"]],
      }),
    ).toEqual(['rules/risk-model.yml:77:7: hard_stops[0].when: hard stop "embargoed_destination" can never fire: no combination of answers makes this condition hold']);
  });

  it("does not report conditions on operator risk levels, which the operator may supply at any time", () => {
    expect(problems({ [R]: [["      country_fact: comprehensive_embargo\n", "      country_fact: operator_risk_high\n"]] })).toEqual([]);
  });

  it("skips the check when a condition is already broken", () => {
    expect(problems({ [Q]: [["          equals: intelligence\n", "          equals: spy\n"]] })).toHaveLength(1);
  });
});

describe("risk model", () => {
  it("answer scores: every option, only options, a rationale for points", () => {
    expect(
      problems({ [R]: [["      locate: { points: 10, rationale: Tracks where people are }", "      locate: { points: 10 }\n      teleport: { points: 0 }"]] }),
    ).toEqual([
      "rules/risk-model.yml:23:7: answer_scores[1].options.locate: 10 points need a rationale (why this answer adds risk)",
      'rules/risk-model.yml:24:7: answer_scores[1].options.teleport: "teleport" is not an option of question "functions"; expected one of intercept, locate, record',
    ]);
    expect(problems({ [R]: [["      yes: { points: 10, rationale: A tailored clause allows suspension on misuse }", "      yes: { points: 10 }"]] })).toEqual([
      "rules/risk-model.yml:38:7: answer_scores[4].options.yes: 10 points need a rationale (why this answer earns a credit)",
    ]);
  });

  it("answer scores: countries must exist; only choice, yes/no and country questions", () => {
    expect(problems({ [R]: [["      CN: {", "      XX: {"]] })).toEqual([
      'rules/risk-model.yml:34:7: answer_scores[3].options.XX: no country with code "XX" in countries.yml',
    ]);
    expect(problems({ [R]: [["  - question: destination\n", "  - question: end_user_name\n"]] })).toEqual([
      'rules/risk-model.yml:31:15: answer_scores[3].question: only choice, yes/no and country answers can be scored; "end_user_name" is a free_text question (use a factor with a condition instead)',
    ]);
  });

  it("tiers: duplicate min_score; hard_stop_tier exists and escalates", () => {
    expect(problems({ [R]: [["    min_score: 40\n", "    min_score: 20\n"]] })).toEqual([
      'rules/risk-model.yml:93:16: tiers[2].min_score: duplicate min_score 20 (tier "medium" starts there too); each tier needs its own',
    ]);
    expect(problems({ [R]: [["hard_stop_tier: critical", "hard_stop_tier: severe"]] })).toEqual([
      'rules/risk-model.yml:100:17: hard_stop_tier: no tier with id "severe"; expected one of low, medium, high, critical',
    ]);
  });

  it("points of a mitigation group are credits", async () => {
    const { scoreScreening } = await import("../../src/domain/scoring.js");
    const loaded = load();
    if (!loaded.ok) throw new Error("valid fixture did not load");
    const result = scoreScreening(loaded.ruleSet, { hr_clause: "yes", item: "spyware" });
    expect(result.factors.find((f) => f.questionId === "hr_clause")?.points).toBe(-10);
  });
});

describe("the operator's country risk file", () => {
  const operator = 'source: Operator country assessment\nas_of: "2026-02-01"\nlevels:\n  CN: high\n  DE: low\n';

  it("is merged into the countries as operator_risk", () => {
    const loaded = load({ [OP]: operator });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
    expect(loaded.ruleSet.countries.map((c) => [c.code, c.operator_risk])).toEqual([
      ["DE", "low"],
      ["NO", undefined],
      ["US", undefined],
      ["CN", "high"],
      ["KP", undefined],
    ]);
    expect(loaded.ruleSet.countryRisk?.source).toBe("Operator country assessment");
  });

  it("changes the version", () => {
    expect(version({ [OP]: operator })).not.toBe(version());
  });

  it("reports a lowercase code and an unknown level", () => {
    expect(problems({ [OP]: 'source: s\nas_of: "2026-02-01"\nlevels:\n  de: low\n  CN: severe\n' })).toEqual([
      'rules/country-risk.local.yml:4:3: levels.de: expected a key that is an ISO 3166-1 alpha-2 code such as DE (got "de")',
      'rules/country-risk.local.yml:5:7: levels.CN: expected one of low, medium, high (got "severe")',
    ]);
  });
});

describe("compliance's country assessments file", () => {
  const assessments = [
    "source: Compliance country assessments v3",
    'as_of: "2026-10-01"',
    "countries:",
    "  CN:",
    "    surveillance_misuse: credible_pattern",
    "    legal_framework:",
    "      overall: inadequate",
    "      judicial_authorisation: inadequate",
    "  DE:",
    "    source: Our review of German law",
    '    as_of: "2026-09-15"',
    "    legal_framework:",
    "      overall: adequate",
    "",
  ].join("\n");

  it("is merged into the countries with the source and date that apply to each", () => {
    const loaded = load({ [CA]: assessments });
    if (!loaded.ok) throw new Error(loaded.problems.map(formatProblem).join("\n"));
    const byCode = new Map(loaded.ruleSet.countries.map((c) => [c.code, c.assessment]));
    expect(byCode.get("CN")).toMatchObject({ surveillance_misuse: "credible_pattern", source: "Compliance country assessments v3", as_of: "2026-10-01" });
    expect(byCode.get("DE")).toMatchObject({ legal_framework: { overall: "adequate" }, source: "Our review of German law", as_of: "2026-09-15" });
    expect(byCode.get("US")).toBeUndefined();
    expect(loaded.ruleSet.countryAssessments).toEqual({ source: "Compliance country assessments v3", as_of: "2026-10-01", count: 2 });
    expect(version({ [CA]: assessments })).not.toBe(version());
  });

  it("reports an unknown country and an unknown level where they stand", () => {
    const bad = assessments.replace("  DE:", "  XX:").replace("overall: inadequate", "overall: awful");
    expect(problems({ [CA]: bad })).toEqual([
      'rules/country-assessments.local.yml:7:16: countries.CN.legal_framework.overall: expected one of adequate, partial, inadequate (got "awful")',
    ]);
    expect(problems({ [CA]: assessments.replace("  DE:", "  XX:") })).toEqual([
      'rules/country-assessments.local.yml:9:3: countries.XX: no country with code "XX" in countries.yml',
    ]);
  });
});

describe("party_match and minimum_tier", () => {
  it("party_match is refused where it would decide what to ask, and an unknown minimum_tier is named", () => {
    const page = problems({ [Q]: [["          question: contract_value\n          gte: 1000000\n", "          party_match: potential\n"]] });
    expect(page).toEqual([expect.stringContaining("party_match may only be used in factors and hard stops, not to show a page or question")]);
    const floor = problems({ [R]: [["    source: Fixture guidance, red flags", "    source: Fixture guidance, red flags\n    minimum_tier: severe"]] });
    expect(floor).toEqual([expect.stringMatching(/minimum_tier: no tier with id "severe"; expected one of /)]);
  });

  it("accept party_match in a factor and a known minimum_tier", () => {
    expect(problems({ [R]: [["    source: Fixture guidance, red flags", "    source: Fixture guidance, red flags\n    minimum_tier: medium"]] })).toEqual([]);
  });
});

describe("party questions", () => {
  const at = "      - id: end_user_name\n        type: free_text\n";
  it("party_country names a country question, and only goes with party:", () => {
    expect(problems({ [Q]: [[at, `${at}        party_country: destination\n`]] })).toEqual([expect.stringContaining("party_country only goes with party:")]);
    expect(problems({ [Q]: [[at, `${at}        party: end_user\n        party_country: contract_value\n`]] })).toEqual([
      expect.stringContaining('"contract_value" is a number question; expected a country question'),
    ]);
    expect(problems({ [Q]: [[at, `${at}        party: end_user\n        party_country: destination\n`]] })).toEqual([]);
  });
});

describe("draft markers", () => {
  it("are refused in any text a person may see, wherever they stand", () => {
    expect(
      problems({
        [Q]: [["        label: Which category of item is it?", "        label: Which category of item is it? [verify]"]],
        [R]: [["    source: Fixture guidance, red flags", "    source: \"Fixture guidance, red flags [TODO: check section]\""]],
      }),
    ).toEqual([
      'rules/questionnaire.yml:15:16: pages[0].questions[0].label: contains the draft marker "[verify]": check the text against its source and state it precisely, or remove it',
      expect.stringMatching(/^rules\/risk-model\.yml:\d+:\d+: .*source: contains the draft marker "\[TODO: check section\]"/),
    ]);
  });

  it("are allowed in YAML comments, which nobody sees", () => {
    expect(problems({ [Q]: [["label: loader fixture", "label: loader fixture # [verify] the label"]] })).toEqual([]);
  });
});

describe("version: a hash of the content", () => {
  it("is the same after changing comments, quoting, key order and flow style", () => {
    const reformatted = {
      [Q]: [
        ["# A small complete", "# Reformatted. A small complete"],
        ["label: loader fixture", 'label: "loader fixture" # quoted'],
        ["      in: [police, intelligence]", "      in:\n        - police\n        - intelligence"],
        ["  - id: transaction\n    title: Transaction\n", "  - title: Transaction\n    id: transaction\n"],
      ] as [string, string][],
      [R]: [["      record: { points: 0 }", "      record:\n        points: 0"]] as [string, string][],
    };
    expect(version(reformatted)).toBe(version());
  });

  it("changes with any change of content, and with defaults written out it does not", () => {
    expect(version({ [Q]: [["label: Describe the reports", "label: Describe the reports briefly"]] })).not.toBe(version());
    expect(version({ [C]: [["    name: Germany\n", "    name: Germany\n    comprehensive_embargo: false\n"]] })).toBe(version());
    expect(version({ [C]: [["    name: Germany\n", "    name: Germany\n    comprehensive_embargo: true\n"]] })).not.toBe(version());
  });

  it("is 64 hex characters; shortVersion is the first 12", () => {
    expect(version()).toMatch(/^[0-9a-f]{64}$/);
    expect(shortVersion(version())).toHaveLength(12);
  });

  it("canonical JSON sorts keys at every level and leaves out undefined", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined }], c: "x" } })).toBe('{"a":{"c":"x","d":[3,{"z":1}]},"b":1}');
  });
});

describe("formatProblem", () => {
  it("prints file:line:column: key: message, or the file alone for whole-file problems", () => {
    expect(formatProblem({ file: "rules/questionnaire.yml", line: 12, column: 7, key: "pages[2].questions[0].type", message: "expected x" })).toBe(
      "rules/questionnaire.yml:12:7: pages[2].questions[0].type: expected x",
    );
    expect(formatProblem({ file: "rules/notes.yml", line: 0, column: 0, key: "", message: "unexpected file" })).toBe("rules/notes.yml: unexpected file");
  });
});
