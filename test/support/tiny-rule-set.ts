// A small rule set built in code for unit tests of the pure core: every question type,
// page and question conditions, answer scores, factors, a mitigation group with a cap,
// a hard stop and four tiers. Parsed through the real schemas so defaults apply.
import {
  CountrySchema,
  ItemCategorySchema,
  QuestionnaireSchema,
  RiskModelSchema,
  type RuleSet,
} from "../../src/domain/rule-set.js";

const S = "Test source §1";

export function tinyRuleSet(): RuleSet {
  const questionnaire = QuestionnaireSchema.parse({
    label: "tiny",
    summary: { item: "item", destination: "destination", end_user: "end_user" },
    pages: [
      {
        id: "transaction",
        title: "Transaction",
        questions: [
          { id: "item", type: "single_choice", label: "Item", source: S, options_from: "item_categories" },
          { id: "destination", type: "country", label: "Destination", source: S },
          { id: "end_user", type: "free_text", label: "End user", source: S },
          { id: "value", type: "number", label: "Value", source: S, required: false, min: 0 },
          { id: "delivery", type: "date", label: "Delivery", source: S, required: false },
        ],
      },
      {
        id: "end_user_page",
        title: "End user",
        questions: [
          {
            id: "end_user_type",
            type: "single_choice",
            label: "Type",
            source: S,
            options: [
              { value: "police", label: "Police" },
              { value: "intelligence", label: "Intelligence" },
              { value: "private", label: "Private company" },
            ],
          },
          {
            id: "functions",
            type: "multiple_choice",
            label: "Functions",
            source: S,
            options: [
              { value: "intercept", label: "Intercept" },
              { value: "locate", label: "Locate" },
              { value: "record", label: "Record" },
            ],
          },
        ],
      },
      {
        id: "government",
        title: "Government use",
        when: { question: "end_user_type", in: ["police", "intelligence"] },
        questions: [
          { id: "reported_misuse", type: "yes_no", label: "Reported misuse?", source: S },
          {
            id: "misuse_details",
            type: "free_text",
            label: "Details",
            source: S,
            multiline: true,
            max_length: 200,
            when: { question: "end_user_type", equals: "intelligence" },
          },
        ],
      },
      {
        id: "safeguards",
        title: "Safeguards",
        questions: [
          { id: "hr_clause", type: "yes_no", label: "Human-rights clause?", source: S },
          { id: "audit_rights", type: "yes_no", label: "Audit rights?", source: S },
        ],
      },
    ],
  });
  const riskModel = RiskModelSchema.parse({
    groups: [
      { id: "capability", label: "Capability", cap: 40 },
      { id: "end_user", label: "End user" },
      { id: "country", label: "Country" },
      { id: "mitigation", label: "Mitigation", kind: "mitigation", cap: 15 },
    ],
    answer_scores: [
      {
        question: "item",
        group: "capability",
        options: {
          spyware: { points: 30, rationale: "Intrusion software" },
          drone: { points: 10, rationale: "Aerial surveillance" },
          thermal: { points: 0 },
        },
      },
      {
        question: "functions",
        group: "capability",
        options: {
          intercept: { points: 15, rationale: "Interception" },
          locate: { points: 10, rationale: "Location tracking" },
          record: { points: 5, rationale: "Recording" },
        },
      },
      {
        question: "end_user_type",
        group: "end_user",
        options: {
          police: { points: 10, rationale: "Police" },
          intelligence: { points: 20, rationale: "Intelligence service" },
          private: { points: 0 },
        },
      },
      { question: "hr_clause", group: "mitigation", options: { yes: { points: 10, rationale: "Clause" }, no: { points: 0 } } },
      { question: "audit_rights", group: "mitigation", options: { yes: { points: 10, rationale: "Audit" }, no: { points: 0 } } },
    ],
    factors: [
      {
        id: "intel_misuse",
        group: "end_user",
        when: { all: [{ question: "end_user_type", equals: "intelligence" }, { question: "reported_misuse", equals: true }] },
        points: 25,
        rationale: "Intelligence end user with reported misuse",
        source: S,
      },
      {
        id: "not_iccpr",
        group: "country",
        when: { not: { question: "destination", country_fact: "iccpr_party" } },
        points: 15,
        rationale: "Destination not party to the ICCPR",
        source: S,
      },
    ],
    hard_stops: [
      { id: "embargo", when: { question: "destination", country_fact: "comprehensive_embargo" }, reason: "Embargoed", source: S },
    ],
    tiers: [
      { id: "low", label: "Low", min_score: 0, escalate: false },
      { id: "medium", label: "Medium", min_score: 25, escalate: true },
      { id: "high", label: "High", min_score: 50, escalate: true, approvals_required: 2 },
      { id: "prohibited", label: "Prohibited", min_score: 90, escalate: true, approvals_required: 2 },
    ],
    hard_stop_tier: "prohibited",
    approval_conditions: [{ id: "hr_clause", label: "Human-rights clause" }],
  });
  const countries = [
    { code: "DE", name: "Germany", iccpr_party: true, iccpr_optional_protocol: true },
    { code: "CU", name: "Cuba", comprehensive_embargo: true, itar_126_1: true },
    { code: "XA", name: "Arcadia", iccpr_party: false },
  ].map((c) => CountrySchema.parse(c));
  const itemCategories = [
    { value: "spyware", label: "Spyware", source: S },
    { value: "drone", label: "Drone", source: S },
    { value: "thermal", label: "Thermal camera", source: S },
  ].map((c) => ItemCategorySchema.parse(c));
  const fact = { source: S, as_of: "2026-01-01" };
  return {
    version: "f".repeat(64),
    label: "tiny",
    questionnaire,
    riskModel,
    countries,
    countryFacts: { comprehensive_embargo: fact, itar_126_1: fact, ear_country_groups: fact, iccpr: fact },
    itemCategories,
  };
}
