import { describe, expect, it } from "vitest";
import {
  AUTHORISATION_PROBLEMS,
  authorisationOf,
  decisionInputProblems,
  issuerText,
  type AuthorisationInput,
  type DecisionInputProblems,
} from "../../src/domain/decision-input.js";

// 12:00 UTC on 1 December: already 2 December from UTC+12 eastwards.
const NOW = new Date("2026-12-01T12:00:00Z");
const VALID: AuthorisationInput = { reference: " D1234567 ", issuer: "bis", issuerName: null, issuedOn: "2026-10-01" };
const under = (authorisation: AuthorisationInput | null) =>
  decisionInputProblems("approve_under_authorisation", { rationale: "Licensed.", conditions: [], conditionsText: null, authorisation }, NOW);

describe("what Approve under authorisation must carry", () => {
  const rows: Array<[string, AuthorisationInput | null, DecisionInputProblems]> = [
    ["a complete authorisation", VALID, {}],
    ["no authorisation at all", null, {
      authorisationReference: AUTHORISATION_PROBLEMS.missingReference,
      authorisationIssuer: AUTHORISATION_PROBLEMS.missingIssuer,
      authorisationIssuedOn: AUTHORISATION_PROBLEMS.missingDate,
    }],
    ["a reference of spaces", { ...VALID, reference: "   " }, { authorisationReference: AUTHORISATION_PROBLEMS.missingReference }],
    ["a reference too long", { ...VALID, reference: "D".repeat(101) }, { authorisationReference: AUTHORISATION_PROBLEMS.longReference }],
    ["an issuer not offered (forged)", { ...VALID, issuer: "kgb" }, { authorisationIssuer: AUTHORISATION_PROBLEMS.unknownIssuer }],
    ["another authority without its name", { ...VALID, issuer: "other", issuerName: " " }, { authorisationIssuerName: AUTHORISATION_PROBLEMS.missingIssuerName }],
    ["another authority with its name", { ...VALID, issuer: "other", issuerName: "Ministry of Economy" }, {}],
    ["an authority's name too long", { ...VALID, issuer: "eu_member_state", issuerName: "x".repeat(201) }, { authorisationIssuerName: AUTHORISATION_PROBLEMS.longIssuerName }],
    ["a date that is not a date", { ...VALID, issuedOn: "2026-02-30" }, { authorisationIssuedOn: AUTHORISATION_PROBLEMS.invalidDate }],
    ["a date in another format", { ...VALID, issuedOn: "01/10/2026" }, { authorisationIssuedOn: AUTHORISATION_PROBLEMS.invalidDate }],
    ["a date in the future everywhere", { ...VALID, issuedOn: "2026-12-03" }, { authorisationIssuedOn: AUTHORISATION_PROBLEMS.futureDate }],
    ["today somewhere on Earth (UTC+14)", { ...VALID, issuedOn: "2026-12-02" }, {}],
    ["today in UTC", { ...VALID, issuedOn: "2026-12-01" }, {}],
  ];
  it.each(rows)("%s", (_, authorisation, problems) => {
    expect(under(authorisation)).toEqual(problems);
  });

  it("still needs a rationale", () => {
    expect(decisionInputProblems("approve_under_authorisation", { rationale: " ", conditions: [], conditionsText: null, authorisation: VALID }, NOW)).toEqual({
      rationale: expect.stringMatching(/^Write why you approve under this authorisation/),
    });
  });

  it("every problem says what to do", () => {
    for (const message of Object.values(AUTHORISATION_PROBLEMS)) expect(message).toMatch(/\b(Enter|Choose|Name|Shorten)\b/);
  });

  it("asks no authorisation of other decisions", () => {
    for (const outcome of ["approve", "reject", "request_info"] as const) {
      expect(decisionInputProblems(outcome, { rationale: "ok", conditions: [], conditionsText: null }, NOW)).toEqual({});
    }
  });

  it("records the authorisation trimmed, or nothing when it has a problem", () => {
    expect(authorisationOf(VALID, NOW)).toEqual({ reference: "D1234567", issuer: "bis", issuerName: null, issuedOn: "2026-10-01" });
    expect(authorisationOf({ ...VALID, issuer: "other", issuerName: " Ministry of Economy " }, NOW)).toMatchObject({ issuer: "other", issuerName: "Ministry of Economy" });
    expect(authorisationOf({ ...VALID, issuedOn: "2027-01-01" }, NOW)).toBeNull();
    expect(authorisationOf({ ...VALID, issuer: "nope" }, NOW)).toBeNull();
  });

  it("names the issuer as a person reads it", () => {
    expect(issuerText({ issuer: "ofac", issuerName: null })).toBe("OFAC (Treasury)");
    expect(issuerText({ issuer: "eu_member_state", issuerName: "BAFA (Germany)" })).toBe("EU member-state authority: BAFA (Germany)");
  });
});
