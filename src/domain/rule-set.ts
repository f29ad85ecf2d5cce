// The rule set: questionnaire, risk model and reference data, as one zod schema that is at
// once the TypeScript type, the validation and the documentation of the YAML in rules/.
// Pure: no fs, no YAML, no Slack. Loading files and reporting line numbers is src/rules/.
import { z } from "zod";

/** Stable identifiers used in YAML, Slack block ids and the database. */
export const Id = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,62}$/, "an id of lowercase letters, digits and _ starting with a letter (at most 63 characters)");

const Text = (max: number) => z.string().trim().min(1, "must not be empty").max(max, `at most ${max} characters`);

/** A citation: the document and section a question, factor or fact comes from. */
export const Source = Text(300);

// ---------------------------------------------------------------------------------------------
// Conditions: all / any / not over earlier answers (json-rules-engine style).

/** Country facts from the shipped public data (countries.yml). */
const PUBLIC_COUNTRY_FACTS = [
  "comprehensive_embargo",
  "ear_part_746",
  "ofac_government_blocked",
  "transshipment_hub",
  "itar_126_1",
  "ear_group_d1",
  "ear_group_d5",
  "ear_group_e1",
  "ear_group_e2",
  "iccpr_party",
  "iccpr_optional_protocol",
] as const;

/**
 * Country facts from the operator's own files (*.local.yml): its risk levels, and compliance's
 * assessment (absent → framework_not_assessed). They may change at any time, so the rules
 * checker cannot assume they never hold.
 */
const OPERATOR_FACTS = [
  "operator_risk_high",
  "operator_risk_medium",
  "operator_risk_low",
  "assessed",
  "framework_not_assessed",
  "framework_adequate",
  "framework_partial",
  "framework_inadequate",
  "no_prior_judicial_authorisation",
  "surveillance_misuse_pattern",
  "surveillance_misuse_isolated",
  "hr_record_serious",
  "hr_record_concerns",
  "armed_conflict",
  "discriminatory_laws",
] as const;

/** Facts about a country that a condition on a country question may test. */
export const COUNTRY_FACTS = [...PUBLIC_COUNTRY_FACTS, ...OPERATOR_FACTS] as const;
export type CountryFact = (typeof COUNTRY_FACTS)[number];

export const OPERATOR_COUNTRY_FACTS: ReadonlySet<CountryFact> = new Set<CountryFact>(OPERATOR_FACTS);

export type Condition =
  | { all: Condition[] }
  | { any: Condition[] }
  | { not: Condition }
  | PartyMatchCondition
  | LeafCondition;

/**
 * What screening the parties against the restricted-party lists found (factors and hard stops
 * only): "potential" holds while a potential match awaits compliance's resolution, "confirmed"
 * once compliance confirmed one.
 */
export const PARTY_MATCH_STATES = ["potential", "confirmed"] as const;
export type PartyMatchState = (typeof PARTY_MATCH_STATES)[number];
export type PartyMatchCondition = { party_match: PartyMatchState };

export type LeafCondition = {
  question: string;
  /** the answer equals this value (single choice, yes/no, country, text) */
  equals?: string | number | boolean | undefined;
  /** the answer is one of these values (single choice, yes/no, country) */
  in?: string[] | undefined;
  /** a multiple-choice answer includes any of these values */
  includes?: string[] | undefined;
  /** the question has (true) or has not (false) been answered */
  answered?: boolean | undefined;
  /** number answers: at least / at most */
  gte?: number | undefined;
  lte?: number | undefined;
  /** country answers: the answered country has this fact */
  country_fact?: CountryFact | undefined;
  /** the answer equals the answer to this other (earlier) question, e.g. two country questions */
  same_as?: string | undefined;
};

const LeafConditionSchema = z
  .strictObject({
    question: Id,
    equals: z.union([z.string(), z.number(), z.boolean()]).optional(),
    in: z.array(z.string()).min(1).optional(),
    includes: z.array(z.string()).min(1).optional(),
    answered: z.boolean().optional(),
    gte: z.number().optional(),
    lte: z.number().optional(),
    country_fact: z.enum(COUNTRY_FACTS).optional(),
    same_as: Id.optional(),
  })
  .refine(
    (c) => ["equals", "in", "includes", "answered", "gte", "lte", "country_fact", "same_as"].some((k) => k in c),
    "a condition on a question needs one test: equals, in, includes, answered, gte, lte, country_fact or same_as",
  );

export const ConditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    z.strictObject({ all: z.array(ConditionSchema).min(1) }),
    z.strictObject({ any: z.array(ConditionSchema).min(1) }),
    z.strictObject({ not: ConditionSchema }),
    z.strictObject({ party_match: z.enum(PARTY_MATCH_STATES) }),
    LeafConditionSchema,
  ]),
);

// ---------------------------------------------------------------------------------------------
// Questionnaire

export const QUESTION_TYPES = ["single_choice", "multiple_choice", "yes_no", "country", "free_text", "date", "number"] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

export const OptionSchema = z.strictObject({
  value: Id,
  label: Text(75),
  help: Text(150).optional(),
});
export type Option = z.infer<typeof OptionSchema>;

export const QuestionSchema = z.strictObject({
  id: Id,
  type: z.enum(QUESTION_TYPES),
  label: Text(2000),
  help: Text(2000).optional(),
  source: Source,
  required: z.boolean().default(true),
  /** choices for single_choice / multiple_choice (yes_no has yes and no built in) */
  options: z.array(OptionSchema).min(1).max(100).optional(),
  /** take the options from reference data instead of listing them */
  options_from: z.enum(["item_categories"]).optional(),
  /** free_text */
  multiline: z.boolean().default(false),
  max_length: z.number().int().min(1).max(3000).optional(),
  /** number */
  min: z.number().optional(),
  max: z.number().optional(),
  placeholder: Text(150).optional(),
  /**
   * free_text naming parties to the deal (one per line, or separated by ";"): each name is
   * screened against the restricted-party lists when its page is saved and at submission
   */
  party: z.enum(["end_user", "customer", "consignee", "intermediary", "other"]).optional(),
  /** with `party`: the country question whose answer is that party's country (a match in it scores higher) */
  party_country: Id.optional(),
  /** shown only when this holds */
  when: ConditionSchema.optional(),
});
export type Question = z.infer<typeof QuestionSchema>;

export const PageSchema = z.strictObject({
  id: Id,
  /** a Slack modal title: 24 characters at most */
  title: Text(24),
  intro: Text(2000).optional(),
  when: ConditionSchema.optional(),
  questions: z.array(QuestionSchema).min(1),
});
export type Page = z.infer<typeof PageSchema>;

export const QuestionnaireSchema = z.strictObject({
  /** a human name for this rule set, shown with its content hash, e.g. "2026-11 sample" */
  label: Text(80),
  /** answers that summarise a screening in Slack messages (escalation, lists) */
  summary: z.strictObject({
    item: Id,
    destination: Id,
    end_user: Id,
  }),
  pages: z.array(PageSchema).min(1),
});
export type Questionnaire = z.infer<typeof QuestionnaireSchema>;

// ---------------------------------------------------------------------------------------------
// Risk model

export const GroupSchema = z.strictObject({
  id: Id,
  label: Text(80),
  /** risk adds points; mitigation subtracts them (credits) */
  kind: z.enum(["risk", "mitigation"]).default("risk"),
  /** the group's total never exceeds this many points */
  cap: z.number().int().min(1).optional(),
});
export type Group = z.infer<typeof GroupSchema>;

export const ScoredOptionSchema = z.strictObject({
  points: z.number().int().min(0).max(1000),
  rationale: Text(300).optional(),
});

/** Points for each option of one question. */
export const AnswerScoreSchema = z.strictObject({
  question: Id,
  group: Id,
  /** option value (or yes / no, or a country code) → points and why */
  options: z.record(z.string(), ScoredOptionSchema),
  /** a different source than the question's, when the points come from elsewhere */
  source: Source.optional(),
});
export type AnswerScore = z.infer<typeof AnswerScoreSchema>;

/** Points when a condition holds (combinations of answers, country facts). */
export const FactorSchema = z.strictObject({
  id: Id,
  group: Id,
  when: ConditionSchema,
  points: z.number().int().min(1).max(1000),
  rationale: Text(300),
  source: Source,
  /** when it fires, the screening gets at least this tier whatever the credits (e.g. a possible list match goes to compliance) */
  minimum_tier: Id.optional(),
});
export type Factor = z.infer<typeof FactorSchema>;

export const HardStopSchema = z.strictObject({
  id: Id,
  when: ConditionSchema,
  reason: Text(300),
  source: Source,
});
export type HardStop = z.infer<typeof HardStopSchema>;

export const TierSchema = z.strictObject({
  id: Id,
  label: Text(40),
  /** the lowest total score that reaches this tier */
  min_score: z.number().int().min(0),
  /** posted to the compliance channel for a decision */
  escalate: z.boolean(),
  /** how many different approvers must approve (escalated tiers) */
  approvals_required: z.number().int().min(1).max(5).default(1),
});
export type Tier = z.infer<typeof TierSchema>;

export const ApprovalConditionSchema = z.strictObject({
  id: Id,
  label: Text(75),
  help: Text(300).optional(),
});
export type ApprovalCondition = z.infer<typeof ApprovalConditionSchema>;

/** How names are screened against the restricted-party lists (SCREENING_LISTS). */
export const PartyScreeningSchema = z.strictObject({
  /** a name matching a list entry at least this well (0–1, after weighting) is a potential match */
  threshold: z.number().min(0.5).max(1).default(0.88),
  /** added to a match's score when the party's country is one of the entry's countries */
  country_bonus: z.number().min(0).max(0.2).default(0.04),
  /** multiplier per list, by the start of the entry's `source` (e.g. "Entity List"); others get `default_weight` */
  list_weights: z.record(z.string().min(1), z.number().min(0.5).max(1.2)).default({}),
  default_weight: z.number().min(0.5).max(1.2).default(1),
  /** where the threshold and weights come from */
  source: Source,
});
export type PartyScreening = z.infer<typeof PartyScreeningSchema>;

/** Statuses of a decided screening that a re-screening prompt can reach (src/domain/rescreening.ts). */
export const REVIEWABLE_STATUSES = ["cleared", "approved"] as const;
/** …and the open ones, which a new rule-set version flags to compliance in their escalation's thread. */
export const OPEN_REVIEW_STATUSES = ["escalated", "info_requested"] as const;

/** A new restricted-party list set prompts re-screenings (open escalations are screened again anyway, in their thread). */
export const ListSetTriggerSchema = z.strictObject({
  /** which decided screenings are prompted */
  statuses: z.array(z.enum(REVIEWABLE_STATUSES)).min(1),
  /** only those cleared or approved within this many days (older deals have shipped) */
  within_days: z.number().int().min(1).max(3650),
  /** only those whose parties the new set raises potential matches for that were not raised before */
  only_with_new_matches: z.boolean().default(true),
});
export type ListSetTrigger = z.infer<typeof ListSetTriggerSchema>;

/** A new rule-set version (any change to rules/) prompts re-screenings. */
export const RuleSetTriggerSchema = z.strictObject({
  /** decided ones: their requester is asked to re-screen; open ones: compliance is told in the escalation's thread */
  statuses: z.array(z.enum([...REVIEWABLE_STATUSES, ...OPEN_REVIEW_STATUSES])).min(1),
  /** decided ones only: those cleared or approved within this many days */
  within_days: z.number().int().min(1).max(3650),
  /** only when the answers scored with the rules now in force reach a higher tier (or a hard stop) than they got */
  only_if_tier_rises: z.boolean().default(true),
});
export type RuleSetTrigger = z.infer<typeof RuleSetTriggerSchema>;

/**
 * Re-screening before renewal: when a cleared or approved screening must be reviewed again, how
 * long before that its requester is asked, and what else asks for a re-screening.
 */
export const ReviewSchema = z.strictObject({
  /**
   * date questions (the contract's or licence's end) before which the deal is reviewed again:
   * the earliest date answered after the decision counts, unless the tier's period ends sooner
   */
  date_questions: z.array(Id).default([]),
  /** months after being cleared or approved within which a screening of each tier is reviewed again (every tier needs one) */
  default_months_by_tier: z.record(Id, z.number().int().min(1).max(120)),
  /** days before the review date when the requester gets the prompt to re-screen */
  lead_days: z.number().int().min(0).max(365).default(30),
  on_new_list_set: ListSetTriggerSchema.optional(),
  on_new_rule_set: RuleSetTriggerSchema.optional(),
  /** where the periods come from */
  source: Source,
});
export type Review = z.infer<typeof ReviewSchema>;

export const RiskModelSchema = z.strictObject({
  groups: z.array(GroupSchema).min(1),
  answer_scores: z.array(AnswerScoreSchema).default([]),
  factors: z.array(FactorSchema).default([]),
  hard_stops: z.array(HardStopSchema).default([]),
  /** ascending by min_score; the first must start at 0 */
  tiers: z.array(TierSchema).min(2),
  /** the tier every screening with a hard stop gets, whatever its score */
  hard_stop_tier: Id,
  /** conditions an approver can attach to "Approve with conditions" */
  approval_conditions: z.array(ApprovalConditionSchema).min(1).max(100),
  /** restricted-party screening settings (used when SCREENING_LISTS names list files) */
  party_screening: PartyScreeningSchema.optional(),
  /** re-screening before renewal; absent: screenings get no review date and nothing prompts a re-screening */
  review: ReviewSchema.optional(),
});
export type RiskModel = z.infer<typeof RiskModelSchema>;

// ---------------------------------------------------------------------------------------------
// Reference data

const IsoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "a date like 2026-01-31");

/** Where each country fact comes from and how current it is. */
export const FactSourceSchema = z.strictObject({
  source: Source,
  as_of: IsoDate,
});

export const CountrySchema = z.strictObject({
  code: z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code such as DE"),
  name: Text(75),
  comprehensive_embargo: z.boolean().default(false),
  itar_126_1: z.boolean().default(false),
  ear_country_groups: z.array(z.enum(["D:1", "D:2", "D:3", "D:4", "D:5", "E:1", "E:2"])).default([]),
  iccpr_party: z.boolean().default(false),
  iccpr_optional_protocol: z.boolean().default(false),
  /** other names people know the country by; the destination menu and the score CLI find it by them */
  aliases: z.array(Text(60)).default([]),
  /** the 15 CFR Part 746 section requiring a licence for (nearly) all items subject to the EAR, e.g. "746.8" */
  ear_part_746: z.string().regex(/^746\.\d+$/, "a section of 15 CFR Part 746 such as 746.8").optional(),
  /** the government's property is blocked by US sanctions (e.g. Venezuela, EO 13884) */
  ofac_government_blocked: z.boolean().default(false),
  /** named by US authorities as a common transshipment point for evading export controls */
  transshipment_hub: z.boolean().default(false),
});
export type Country = z.infer<typeof CountrySchema>;

export const CountriesFileSchema = z.strictObject({
  facts: z.strictObject({
    comprehensive_embargo: FactSourceSchema,
    itar_126_1: FactSourceSchema,
    ear_country_groups: FactSourceSchema,
    iccpr: FactSourceSchema,
    // optional: rule sets written before these facts existed still load
    ear_part_746: FactSourceSchema.optional(),
    ofac_government_blocked: FactSourceSchema.optional(),
    transshipment_hub: FactSourceSchema.optional(),
  }),
  countries: z.array(CountrySchema).min(1),
});

/** Per-country risk levels an operator supplies (e.g. from their own country assessment). */
export const CountryRiskFileSchema = z.strictObject({
  source: Source,
  as_of: IsoDate,
  levels: z.record(z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code such as DE"), z.enum(["low", "medium", "high"])),
});

/** How far one element of a country's surveillance law meets the ICCPR test (domain notes §4). */
export const FrameworkLevel = z.enum(["adequate", "partial", "inadequate"]);
export type FrameworkLevel = z.infer<typeof FrameworkLevel>;

/** The elements of the ICCPR test that compliance assesses per country. */
export const FRAMEWORK_ELEMENTS = {
  legality: "Legality: a public, precise law for each technique",
  legitimate_aim: "Legitimate aim, no vague offences",
  necessity_proportionality: "Necessity and proportionality (no bulk collection, limits on scope and retention)",
  judicial_authorisation: "Prior authorisation by an independent judge",
  independent_oversight: "Ongoing independent oversight",
  transparency: "Transparency (published laws and statistics)",
  notification: "Notification after the fact",
  remedy: "Effective remedy before an independent body",
  non_discrimination: "Non-discrimination safeguards",
  special_protections: "Protection of journalists' sources and legal privilege",
} as const;
export type FrameworkElement = keyof typeof FRAMEWORK_ELEMENTS;

/**
 * Compliance's assessment of one country: judgement calls, kept by the operator in
 * country-assessments.local.yml, never asked of a requester. Each entry may name its own
 * source and date; otherwise the file's apply.
 */
export const CountryAssessmentSchema = z.strictObject({
  source: Source.optional(),
  as_of: IsoDate.optional(),
  /** use of surveillance against journalists, activists, opponents or minorities */
  surveillance_misuse: z.enum(["none_found", "isolated_cases", "credible_pattern"]).optional(),
  /** the wider human-rights record */
  human_rights_record: z.enum(["no_significant_concerns", "some_concerns", "serious"]).optional(),
  armed_conflict: z.boolean().optional(),
  /** laws that target minorities or other groups (identification becomes persecution) */
  discriminatory_laws: z.boolean().optional(),
  /** the surveillance law against the ICCPR test: an overall level (what scoring reads) and, optionally, each element */
  legal_framework: z
    .strictObject({
      overall: FrameworkLevel,
      ...(Object.fromEntries(Object.keys(FRAMEWORK_ELEMENTS).map((k) => [k, FrameworkLevel.optional()])) as Record<FrameworkElement, z.ZodOptional<typeof FrameworkLevel>>),
      notes: Text(500).optional(),
    })
    .optional(),
});
export type CountryAssessment = z.infer<typeof CountryAssessmentSchema>;

export const CountryAssessmentsFileSchema = z.strictObject({
  source: Source,
  as_of: IsoDate,
  countries: z.record(z.string().regex(/^[A-Z]{2}$/, "an ISO 3166-1 alpha-2 code such as DE"), CountryAssessmentSchema),
});

export const ItemCategorySchema = z.strictObject({
  value: Id,
  label: Text(75),
  help: Text(150).optional(),
  source: Source,
});
export type ItemCategory = z.infer<typeof ItemCategorySchema>;

export const ItemCategoriesFileSchema = z.strictObject({
  item_categories: z.array(ItemCategorySchema).min(1).max(100),
});

// ---------------------------------------------------------------------------------------------
// The whole rule set, as the domain sees it after loading and cross-checking.

export type CountryRecord = Country & {
  operator_risk?: "low" | "medium" | "high" | undefined;
  /** compliance's assessment, with the source and date that apply to it */
  assessment?: (CountryAssessment & { source: string; as_of: string }) | undefined;
};

export interface RuleSet {
  /** content hash of the rule set: the version stored with every screening */
  version: string;
  /** a human label for the version, e.g. "2026-11 sample" */
  label: string;
  questionnaire: Questionnaire;
  riskModel: RiskModel;
  countries: CountryRecord[];
  countryFacts: z.infer<typeof CountriesFileSchema>["facts"];
  countryRisk?: z.infer<typeof CountryRiskFileSchema> | undefined;
  /** where compliance's country assessments come from (absent: none on file) */
  countryAssessments?: { source: string; as_of: string; count: number } | undefined;
  itemCategories: ItemCategory[];
}

/** Answer values as stored: one per question id. */
export type AnswerValue = string | string[] | number;
export type Answers = Readonly<Record<string, AnswerValue>>;
