import { describe, expect, it } from "vitest";
import { scoreScreening, tierForScore, topFactors } from "../../src/domain/scoring.js";
import type { Answers } from "../../src/domain/rule-set.js";
import { tinyRuleSet } from "../support/tiny-rule-set.js";

const rules = tinyRuleSet();
const base: Answers = {
  item: "thermal",
  destination: "DE",
  end_user: "Acme",
  end_user_type: "private",
  functions: ["record"],
  hr_clause: "no",
  audit_rights: "no",
};

describe("scoreScreening", () => {
  const cases: Array<[string, Answers, { total: number; tier: string; hardStops?: string[]; approvals?: number }]> = [
    ["low-risk private buyer", base, { total: 5, tier: "low", approvals: 0 }],
    ["police with interception", { ...base, end_user_type: "police", functions: ["intercept"], reported_misuse: "no" }, { total: 25, tier: "medium", approvals: 1 }],
    // spyware 30 + intercept 15 + locate 10 = 55, capped at 40; intelligence 20 + misuse factor 25 = 45
    [
      "capability capped, intelligence with misuse",
      { ...base, item: "spyware", functions: ["intercept", "locate"], end_user_type: "intelligence", reported_misuse: "yes", misuse_details: "x" },
      { total: 85, tier: "high", approvals: 2 },
    ],
    // same, minus 15 credits (20 claimed, capped at 15) → 70, still high
    [
      "mitigation credits are capped",
      { ...base, item: "spyware", functions: ["intercept", "locate"], end_user_type: "intelligence", reported_misuse: "yes", misuse_details: "x", hr_clause: "yes", audit_rights: "yes" },
      { total: 70, tier: "high" },
    ],
    // 25 (medium) − 10 credit → 15 (low): mitigation lowers the tier
    [
      "mitigation lowers a tier",
      { ...base, end_user_type: "police", functions: ["intercept"], reported_misuse: "no", hr_clause: "yes" },
      { total: 15, tier: "low" },
    ],
    ["country fact factor (not an ICCPR party)", { ...base, destination: "XA" }, { total: 20, tier: "low" }],
    // thermal 0 + record 5 + not-ICCPR 15 = 20, minus 20 credits capped 15 = 5 — but the embargo stops it
    [
      "hard stop forces its tier whatever the score and credits",
      { ...base, destination: "CU", hr_clause: "yes", audit_rights: "yes" },
      { total: 5, tier: "prohibited", hardStops: ["embargo"], approvals: 2 },
    ],
    ["the score never goes below zero", { ...base, functions: [], hr_clause: "yes" }, { total: 0, tier: "low" }],
  ];
  it.each(cases)("%s", (_n, answers, expected) => {
    const r = scoreScreening(rules, answers);
    expect(r.total).toBe(expected.total);
    expect(r.tier.id).toBe(expected.tier);
    expect(r.hardStops.map((h) => h.id)).toEqual(expected.hardStops ?? []);
    if (expected.approvals !== undefined) expect(r.approvalsRequired).toBe(expected.approvals);
    expect(r.escalate).toBe(expected.tier !== "low");
  });

  it("keeps a trail of every contributing factor with its source, answers in questionnaire order", () => {
    const r = scoreScreening(rules, {
      ...base,
      item: "spyware",
      functions: ["intercept", "locate"],
      end_user_type: "intelligence",
      reported_misuse: "yes",
      misuse_details: "x",
      hr_clause: "yes",
    });
    expect(r.factors.map((f) => [f.kind, f.questionId ?? f.factorId, f.answer ?? null, f.points])).toEqual([
      ["answer", "item", "Spyware", 30],
      ["answer", "end_user_type", "Intelligence", 20],
      ["answer", "functions", "Intercept", 15],
      ["answer", "functions", "Locate", 10],
      ["answer", "hr_clause", "Yes", -10],
      ["factor", "intel_misuse", null, 25],
    ]);
    expect(r.factors.every((f) => f.source.length > 0)).toBe(true);
    expect(r.groups.find((g) => g.id === "capability")).toMatchObject({ raw: 55, capped: true, points: 40 });
    expect(r.groups.find((g) => g.id === "mitigation")).toMatchObject({ raw: 10, capped: false, points: -10 });
  });

  it("does not score answers to questions that are no longer shown", () => {
    const withStale = { ...base, reported_misuse: "yes", misuse_details: "old" };
    expect(scoreScreening(rules, withStale)).toEqual(scoreScreening(rules, base));
  });

  it("reports missing required answers but still scores", () => {
    // An unanswered destination is "not an ICCPR party" for a `not` condition: 30 + 15.
    // Rule authors guard such factors with `answered: true` where that matters.
    const r = scoreScreening(rules, { item: "spyware" });
    expect(r.total).toBe(45);
    expect(r.missing.map((m) => m.questionId)).toContain("destination");
  });

  it("is deterministic and records the rule-set version", () => {
    const a = scoreScreening(rules, base);
    expect(scoreScreening(rules, base)).toEqual(a);
    expect(a.ruleSetVersion).toBe(rules.version);
  });

  it("ranks top factors by points, credits last", () => {
    const r = scoreScreening(rules, { ...base, item: "spyware", functions: ["locate"], hr_clause: "yes" });
    expect(topFactors(r, 2).map((f) => f.points)).toEqual([30, 10]);
    expect(topFactors(r, 10).at(-1)?.points).toBe(-10);
  });
});

describe("party screening signals and tier floors", () => {
  const withPartyRules = (() => {
    const r = tinyRuleSet();
    return {
      ...r,
      riskModel: {
        ...r.riskModel,
        factors: [
          ...r.riskModel.factors,
          { id: "potential_match", group: "end_user", points: 2, minimum_tier: "medium", rationale: "Possible list match", source: "S", when: { party_match: "potential" as const } },
        ],
        hard_stops: [...r.riskModel.hard_stops, { id: "listed", reason: "Listed party", source: "S", when: { party_match: "confirmed" as const } }],
      },
    };
  })();

  it("without signals, nothing fires; a potential match lifts a low deal to the floor tier, its points unchanged", () => {
    expect(scoreScreening(withPartyRules, base).tier.id).toBe("low");
    const potential = scoreScreening(withPartyRules, base, { partyMatch: "potential" });
    expect(potential.total).toBe(7);
    expect(potential.tier.id).toBe("medium");
    expect(potential.escalate).toBe(true);
    expect(potential.approvalsRequired).toBe(1);
    expect(potential.hardStops).toEqual([]);
  });

  it("a confirmed match is a hard stop (and still counts as a potential one)", () => {
    const confirmed = scoreScreening(withPartyRules, base, { partyMatch: "confirmed" });
    expect(confirmed.hardStops.map((h) => h.id)).toEqual(["listed"]);
    expect(confirmed.tier.id).toBe("prohibited");
    expect(confirmed.factors.map((f) => f.factorId)).toContain("potential_match");
  });

  it("a floor never lowers a tier the score already reached", () => {
    const high = { ...base, item: "spyware", functions: ["intercept", "locate"], end_user_type: "intelligence", reported_misuse: "yes", misuse_details: "x" };
    expect(scoreScreening(withPartyRules, high, { partyMatch: "potential" }).tier.id).toBe("high");
  });
});

describe("tierForScore", () => {
  const tiers = tinyRuleSet().riskModel.tiers;
  it.each([
    [0, "low"],
    [24, "low"],
    [25, "medium"],
    [49, "medium"],
    [50, "high"],
    [89, "high"],
    [90, "prohibited"],
    [1000, "prohibited"],
  ])("%i points → %s", (score, tier) => {
    expect(tierForScore(tiers, score).id).toBe(tier);
  });
});
