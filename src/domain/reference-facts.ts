// The reference-data facts about a destination that scoring reads, as an approver needs them:
// each in plain words with its source and "as of" date, and a gap said out loud where
// compliance has no assessment on file. Pure; worked out once per rule set and country.
import { perObject } from "./memo.js";
import { FRAMEWORK_ELEMENTS, type CountryRecord, type FrameworkElement, type RuleSet } from "./rule-set.js";
import type { AppliedFact } from "./scoring.js";

const MISUSE = { none_found: "no pattern found", isolated_cases: "isolated cases", credible_pattern: "a credible pattern" } as const;
const RECORD = { no_significant_concerns: "no significant concerns", some_concerns: "some concerns", serious: "serious or widespread abuses" } as const;

const factsByCountry = perObject((ruleSet: RuleSet) => new Map<string, AppliedFact[]>());

/** The facts on file for one country (public facts, compliance's assessment or its gap, the operator's level). */
export function countryFactsFor(ruleSet: RuleSet, country: CountryRecord): AppliedFact[] {
  const cache = factsByCountry(ruleSet);
  const hit = cache.get(country.code);
  if (hit) return hit;
  const facts = buildFacts(ruleSet, country);
  cache.set(country.code, facts);
  return facts;
}

function buildFacts(ruleSet: RuleSet, c: CountryRecord): AppliedFact[] {
  const f = ruleSet.countryFacts;
  const subject = c.name;
  const out: AppliedFact[] = [];
  if (c.comprehensive_embargo) {
    out.push({ subject, statement: "Under a comprehensive US embargo", source: f.comprehensive_embargo.source, asOf: f.comprehensive_embargo.as_of });
  }
  if (c.ear_part_746) {
    const src = f.ear_part_746;
    out.push({ subject, statement: `Licence required for (nearly) all items subject to the EAR (15 CFR ${c.ear_part_746})`, source: src?.source ?? "15 CFR Part 746", asOf: src?.as_of });
  }
  if (c.ofac_government_blocked) {
    const src = f.ofac_government_blocked;
    out.push({ subject, statement: "The government's property is blocked by US sanctions: dealings with it need an OFAC licence", source: src?.source ?? "OFAC sanctions regulations", asOf: src?.as_of });
  }
  if (c.transshipment_hub) {
    const src = f.transshipment_hub;
    out.push({ subject, statement: "Named by US authorities as a common transshipment point for evading export controls", source: src?.source ?? "US government alerts", asOf: src?.as_of });
  }
  if (c.itar_126_1) {
    out.push({ subject, statement: "Listed in 22 CFR 126.1 (US arms embargo; policy of denial for defense articles)", source: f.itar_126_1.source, asOf: f.itar_126_1.as_of });
  }
  const groups = c.ear_country_groups.filter((g) => ["D:1", "D:5", "E:1", "E:2"].includes(g));
  out.push({
    subject,
    statement: groups.length > 0 ? `EAR Country Groups ${groups.join(", ")}` : "In none of EAR Country Groups D:1, D:5, E:1, E:2",
    source: f.ear_country_groups.source,
    asOf: f.ear_country_groups.as_of,
  });
  out.push({
    subject,
    statement: c.iccpr_party
      ? `Party to the ICCPR; ${c.iccpr_optional_protocol ? "accepts" : "does not accept"} individual complaints (First Optional Protocol)`
      : "Not party to the ICCPR",
    source: f.iccpr.source,
    asOf: f.iccpr.as_of,
  });

  const a = c.assessment;
  if (a?.legal_framework) {
    const lf = a.legal_framework;
    const short = (Object.keys(FRAMEWORK_ELEMENTS) as FrameworkElement[])
      .filter((k) => lf[k] !== undefined && lf[k] !== "adequate")
      .map((k) => `${FRAMEWORK_ELEMENTS[k].split(/[:(]/)[0]?.trim().toLowerCase()}: ${lf[k]}`);
    out.push({
      subject,
      statement: `Legal framework for surveillance (ICCPR test): ${lf.overall}${short.length > 0 ? ` (${short.join("; ")})` : ""}${lf.notes ? `. ${lf.notes}` : ""}`,
      source: a.source,
      asOf: a.as_of,
    });
  } else {
    out.push({
      subject,
      statement: `No legal-framework assessment on file for ${c.name}: compliance must judge the ICCPR test before deciding a government-linked surveillance deal`,
      source: "Country assessments (rules/country-assessments.local.yml)",
    });
  }
  if (a?.surveillance_misuse) out.push({ subject, statement: `Surveillance misuse against journalists, activists, opponents or minorities: ${MISUSE[a.surveillance_misuse]}`, source: a.source, asOf: a.as_of });
  if (a?.human_rights_record) out.push({ subject, statement: `Human-rights record: ${RECORD[a.human_rights_record]}`, source: a.source, asOf: a.as_of });
  if (a?.armed_conflict) out.push({ subject, statement: "Armed conflict or occupation", source: a.source, asOf: a.as_of });
  if (a?.discriminatory_laws) out.push({ subject, statement: "Laws that target minorities or other groups", source: a.source, asOf: a.as_of });
  if (c.operator_risk && ruleSet.countryRisk) {
    out.push({ subject, statement: `Your company's country risk level: ${c.operator_risk}`, source: ruleSet.countryRisk.source, asOf: ruleSet.countryRisk.as_of });
  }
  return out;
}
