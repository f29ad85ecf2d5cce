// Countries are found by the names people use: the destination menu shows the aliases in each
// option's text (Slack filters options by the text typed), and the score CLI reads any of them.
import { beforeAll, describe, expect, it } from "vitest";
import { countryOptionLabel, findCountryCode, optionsOf, questionIndex } from "../../src/domain/interview.js";
import type { RuleSet } from "../../src/domain/rule-set.js";
import { loadRuleSet } from "../../src/rules/load.js";

let ruleSet: RuleSet;
beforeAll(async () => {
  const loaded = await loadRuleSet("rules");
  if (!loaded.ok) throw new Error("rules/ does not load");
  ruleSet = loaded.ruleSet;
});

describe("country names and aliases (shipped rules)", () => {
  it.each([
    ["KP", "KP"],
    ["North Korea", "KP"],
    ["DPRK", "KP"],
    ["Democratic People's Republic of Korea", "KP"],
    ["democratic peoples republic of korea", "KP"],
    ["Burma", "MM"],
    ["Myanmar (Burma)", "MM"],
    ["Turkey", "TR"],
    ["Türkiye", "TR"],
    ["Turkiye", "TR"],
    ["Ivory Coast", "CI"],
    ["Côte d'Ivoire", "CI"],
    ["Cote d’Ivoire", "CI"],
    ["Czech Republic", "CZ"],
    ["Czechia", "CZ"],
    ["Democratic Republic of the Congo", "CD"],
    ["Republic of the Congo", "CG"],
    ["Congo, Democratic Republic of the", "CD"],
    ["DRC", "CD"],
    ["UAE", "AE"],
    ["Atlantis", undefined],
  ])("%s → %s", (text, code) => {
    expect(findCountryCode(ruleSet, text)).toBe(code);
  });

  it("the destination menu shows the aliases, so typing 'Democratic People's Republic' finds North Korea and not only the Congo", () => {
    const destination = questionIndex(ruleSet).get(ruleSet.questionnaire.summary.destination)?.question;
    if (!destination) throw new Error("no destination question");
    const options = optionsOf(ruleSet, destination);
    const hits = options.filter((o) => o.label.toLowerCase().includes("democratic people's republic")).map((o) => o.value);
    expect(hits).toContain("KP");
    expect(options.find((o) => o.value === "MM")?.label).toMatch(/Burma/);
    expect(options.find((o) => o.value === "TR")?.label).toBe("Türkiye (Turkey)");
    for (const o of options) expect(o.label.length).toBeLessThanOrEqual(75);
  });

  it("an alias that would not fit is left out rather than cut", () => {
    expect(countryOptionLabel({ name: "A".repeat(60), aliases: ["short", "a much longer alias name"] }, 75)).toBe(`${"A".repeat(60)} (short)`);
  });
});
