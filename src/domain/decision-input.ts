// What a decision must carry besides who takes it (approval-policy.ts decides that): the
// rationale; for "Approve with conditions" at least one condition; for "Approve under
// authorisation" the licence or authorisation that makes the export lawful despite a hard stop
// (its reference, who issued it and when). One rule, used by the decision modal's field errors
// and enforced again by the use case that records it. Pure.
import type { DecisionOutcome } from "./approval-policy.js";
import { isIsoDate } from "./interview.js";

/** Who can issue a licence or authorisation, in the order the modal offers them. */
export const AUTHORITIES = ["bis", "ofac", "ddtc", "eu_member_state", "other"] as const;
export type Authority = (typeof AUTHORITIES)[number];

export const AUTHORITY_LABELS: Record<Authority, string> = {
  bis: "BIS (Commerce)",
  ofac: "OFAC (Treasury)",
  ddtc: "DDTC (State)",
  eu_member_state: "EU member-state authority",
  other: "Other government authority",
};

/** The licence or authorisation recorded with an approval under authorisation. */
export interface Authorisation {
  /** the licence or authorisation number, as on the document */
  reference: string;
  issuer: Authority;
  /** the issuing authority in the approver's words: required for "other", optional otherwise (which member state, which office) */
  issuerName: string | null;
  /** the date it was issued, YYYY-MM-DD */
  issuedOn: string;
}

/** The authorisation fields as the approver filled them in (not checked yet). */
export interface AuthorisationInput {
  reference?: string | null | undefined;
  issuer?: string | null | undefined;
  issuerName?: string | null | undefined;
  issuedOn?: string | null | undefined;
}

export interface DecisionInput {
  rationale: string;
  /** ids of approval conditions from the rule set */
  conditions: readonly string[];
  /** conditions in the approver's own words */
  conditionsText: string | null;
  /** only for "Approve under authorisation" */
  authorisation?: AuthorisationInput | null | undefined;
}

/** Problems by field; an empty object means the decision may be recorded. */
export interface DecisionInputProblems {
  rationale?: string;
  conditions?: string;
  authorisationReference?: string;
  authorisationIssuer?: string;
  authorisationIssuerName?: string;
  authorisationIssuedOn?: string;
}

export const MISSING_RATIONALE: Record<DecisionOutcome, string> = {
  approve: "Write why you approve: it is recorded with your decision and the requester sees it.",
  approve_with_conditions: "Write why you approve: it is recorded with your decision and the requester sees it.",
  approve_under_authorisation:
    "Write why you approve under this authorisation (for example what it covers): it is recorded with your decision and the requester sees it.",
  reject: "Write why you reject: it is recorded with your decision and the requester sees it.",
  request_info: "Write what you need from the requester: they get it in a direct message.",
};

export const MISSING_CONDITION = "Choose at least one condition from the list, or write one in your own words below.";

export const AUTHORISATION_REFERENCE_MAX = 100;
export const AUTHORITY_NAME_MAX = 200;

export const AUTHORISATION_PROBLEMS = {
  missingReference:
    "Enter the licence or authorisation number as it appears on the document (for example a BIS licence number, an OFAC licence or a State Department authorisation). Without one this hard stop cannot be approved: reject it or request information instead.",
  longReference: `Enter the number only, at most ${AUTHORISATION_REFERENCE_MAX} characters.`,
  missingIssuer: "Choose who issued the licence or authorisation.",
  unknownIssuer: "Choose who issued it from the list.",
  missingIssuerName: "Name the authority that issued it: you chose “Other government authority”.",
  longIssuerName: `Shorten the authority's name to at most ${AUTHORITY_NAME_MAX} characters.`,
  missingDate: "Choose the date the licence or authorisation was issued.",
  invalidDate: "Choose the date it was issued from the calendar (like 2026-03-31).",
  futureDate: "That date is in the future. Choose the date the licence or authorisation was issued, as shown on it.",
} as const;

/**
 * `now` decides what "in the future" means for the date of issue. The approver's own calendar is
 * unknown, so a date counts as future only once it has begun nowhere on Earth (UTC+14): a licence
 * dated today in Tokyo is not refused in Washington.
 */
export function decisionInputProblems(outcome: DecisionOutcome, input: DecisionInput, now: Date): DecisionInputProblems {
  const problems: DecisionInputProblems = {};
  if (input.rationale.trim() === "") problems.rationale = MISSING_RATIONALE[outcome];
  if (outcome === "approve_with_conditions" && input.conditions.length === 0 && (input.conditionsText ?? "").trim() === "") {
    problems.conditions = MISSING_CONDITION;
  }
  if (outcome === "approve_under_authorisation") Object.assign(problems, authorisationProblems(input.authorisation ?? {}, now));
  return problems;
}

/** The authorisation as recorded (trimmed), or null when it has a problem. */
export function authorisationOf(input: AuthorisationInput, now: Date): Authorisation | null {
  const { issuer, issuedOn } = input;
  if (Object.keys(authorisationProblems(input, now)).length > 0 || !isAuthority(issuer) || !issuedOn) return null;
  const issuerName = (input.issuerName ?? "").trim();
  return { reference: (input.reference ?? "").trim(), issuer, issuerName: issuerName === "" ? null : issuerName, issuedOn };
}

/** "BIS (Commerce)", or "Other government authority: Ministry of X" with the approver's words. */
export function issuerText(a: Pick<Authorisation, "issuer" | "issuerName">): string {
  return a.issuerName ? `${AUTHORITY_LABELS[a.issuer]}: ${a.issuerName}` : AUTHORITY_LABELS[a.issuer];
}

export function isAuthority(value: unknown): value is Authority {
  return typeof value === "string" && (AUTHORITIES as readonly string[]).includes(value);
}

function authorisationProblems(input: AuthorisationInput, now: Date): DecisionInputProblems {
  const problems: DecisionInputProblems = {};
  const reference = (input.reference ?? "").trim();
  if (reference === "") problems.authorisationReference = AUTHORISATION_PROBLEMS.missingReference;
  else if (reference.length > AUTHORISATION_REFERENCE_MAX) problems.authorisationReference = AUTHORISATION_PROBLEMS.longReference;

  const issuer = input.issuer ?? "";
  if (issuer === "") problems.authorisationIssuer = AUTHORISATION_PROBLEMS.missingIssuer;
  else if (!isAuthority(issuer)) problems.authorisationIssuer = AUTHORISATION_PROBLEMS.unknownIssuer;
  const issuerName = (input.issuerName ?? "").trim();
  if (issuer === "other" && issuerName === "") problems.authorisationIssuerName = AUTHORISATION_PROBLEMS.missingIssuerName;
  else if (issuerName.length > AUTHORITY_NAME_MAX) problems.authorisationIssuerName = AUTHORISATION_PROBLEMS.longIssuerName;

  const issuedOn = input.issuedOn ?? "";
  if (issuedOn === "") problems.authorisationIssuedOn = AUTHORISATION_PROBLEMS.missingDate;
  else if (!isIsoDate(issuedOn)) problems.authorisationIssuedOn = AUTHORISATION_PROBLEMS.invalidDate;
  else if (issuedOn > latestToday(now)) problems.authorisationIssuedOn = AUTHORISATION_PROBLEMS.futureDate;
  return problems;
}

/** The date that has begun furthest east (UTC+14), YYYY-MM-DD. */
function latestToday(now: Date): string {
  return new Date(now.getTime() + 14 * 3_600_000).toISOString().slice(0, 10);
}
