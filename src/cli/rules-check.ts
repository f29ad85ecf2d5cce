// `npm run rules:check [dir]`: validates a rule set folder (default: $RULES_DIR or ./rules).
// Prints every problem as file:line:column: key: what is expected, and exits 1; or prints a
// one-line summary with the rule set's version and exits 0.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { RuleSet } from "../domain/rule-set.js";
import { formatProblem, loadRuleSet, shortVersion } from "../rules/load.js";
import { DEFAULT_SCENARIO_DIR, readScenarios, scenarioPath, type ScenarioPath } from "../rules/scenarios.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const USAGE = [
  "usage: npm run rules:check [-- [dir] [--max-age-months N] [--paths [scenario-dir]]]",
  "  dir      the rule set folder (default: $RULES_DIR or ./rules)",
  "  --max-age-months N  warn about reference facts whose as_of is older than N months (default 12, or $RULES_MAX_FACT_AGE_MONTHS)",
  `  --paths  also print, for each scenario (default folder: ${DEFAULT_SCENARIO_DIR}), the pages and questions its interview takes and the tier it gets`,
].join("\n");

export async function rulesCheck(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  const ageAt = args.indexOf("--max-age-months");
  const ageText = ageAt === -1 ? env.RULES_MAX_FACT_AGE_MONTHS : args[ageAt + 1];
  const maxAgeMonths = ageText === undefined || ageText === "" ? 12 : Number(ageText);
  if (!Number.isInteger(maxAgeMonths) || maxAgeMonths < 1) {
    io.stderr(`--max-age-months (or RULES_MAX_FACT_AGE_MONTHS) takes a whole number of months, at least 1 (got "${ageText ?? ""}")`);
    return 2;
  }
  const withoutAge = ageAt === -1 ? [...args] : [...args.slice(0, ageAt), ...args.slice(ageAt + 2)];
  const pathsAt = withoutAge.indexOf("--paths");
  const rest = pathsAt === -1 ? [...withoutAge] : withoutAge.slice(0, pathsAt);
  const afterPaths = pathsAt === -1 ? [] : withoutAge.slice(pathsAt + 1);
  if (rest.length > 1 || afterPaths.length > 1 || [...rest, ...afterPaths].some((a) => a.startsWith("-"))) {
    io.stderr(USAGE);
    return 2;
  }
  const dir = rest[0] ?? env.RULES_DIR ?? "./rules";
  const loaded = await loadRuleSet(dir);
  if (!loaded.ok) {
    for (const p of loaded.problems) io.stderr(formatProblem(p));
    return 1;
  }
  io.stdout(summarizeRuleSet(loaded.ruleSet));
  for (const stale of staleFacts(loaded.ruleSet, new Date(), maxAgeMonths)) io.stderr(`warning: ${stale}`);
  if (pathsAt === -1) return 0;
  let paths: ScenarioPath[];
  try {
    paths = readScenarios(afterPaths[0] ?? DEFAULT_SCENARIO_DIR).map(({ name, scenario }) => scenarioPath(loaded.ruleSet, name, scenario));
  } catch (e) {
    io.stderr(e instanceof Error ? e.message : String(e));
    return 1;
  }
  for (const line of describePaths(paths)) io.stdout(line);
  return paths.every((p) => p.tier === p.expectedTier) ? 0 : 1;
}

/**
 * Reference facts whose "as of" date is older than `maxAgeMonths`: each must be re-checked against
 * its source and its date updated. Facts without a date are not reported (the loader requires
 * one wherever the format has it).
 */
export function staleFacts(ruleSet: RuleSet, today: Date, maxAgeMonths: number): string[] {
  const dated: Array<{ what: string; asOf: string; source: string }> = [];
  for (const [fact, meta] of Object.entries(ruleSet.countryFacts)) {
    if (meta) dated.push({ what: `countries.yml facts.${fact}`, asOf: meta.as_of, source: meta.source });
  }
  if (ruleSet.countryRisk) dated.push({ what: "country-risk.local.yml", asOf: ruleSet.countryRisk.as_of, source: ruleSet.countryRisk.source });
  for (const c of ruleSet.countries) {
    if (c.assessment) dated.push({ what: `country-assessments.local.yml countries.${c.code}`, asOf: c.assessment.as_of, source: c.assessment.source });
  }
  const out: string[] = [];
  for (const d of dated) {
    const months = monthsBetween(d.asOf, today);
    if (months > maxAgeMonths) {
      out.push(`${d.what}: as_of ${d.asOf} is ${months} months old (more than ${maxAgeMonths}); re-check it against "${d.source}" and update the date`);
    }
  }
  return out;
}

function monthsBetween(isoDate: string, today: Date): number {
  const [y, m, d] = isoDate.split("-").map(Number);
  if (y === undefined || m === undefined || d === undefined) return 0;
  let months = (today.getUTCFullYear() - y) * 12 + (today.getUTCMonth() + 1 - m);
  if (today.getUTCDate() < d) months -= 1;
  return months;
}

/** One block per scenario: its tier (and the expected one when they differ), then each page with its questions. */
export function describePaths(paths: readonly ScenarioPath[]): string[] {
  const lines: string[] = [""];
  for (const p of paths) {
    const tier = p.tier === p.expectedTier ? p.tier : `${p.tier} (EXPECTED ${p.expectedTier})`;
    lines.push(`${p.name}: ${p.pages.length} ${p.pages.length === 1 ? "page" : "pages"}, ${p.questions} questions, tier ${tier}, score ${p.score}`);
    p.pages.forEach((page, i) => lines.push(`  ${i + 1}. ${page.title} (${page.questions.length}): ${page.questions.join(", ")}`));
  }
  const byTier = new Map<string, ScenarioPath[]>();
  for (const p of paths) byTier.set(p.tier, [...(byTier.get(p.tier) ?? []), p]);
  lines.push("", "questions asked, by tier (fewest–most):");
  for (const [tier, list] of byTier) {
    const qs = list.map((p) => p.questions);
    const pages = list.map((p) => p.pages.length);
    lines.push(`  ${tier}: ${list.length} scenarios, ${Math.min(...qs)}–${Math.max(...qs)} questions on ${Math.min(...pages)}–${Math.max(...pages)} pages`);
  }
  const wrong = paths.filter((p) => p.tier !== p.expectedTier);
  lines.push(wrong.length === 0 ? `every scenario gets its expected tier (${paths.length})` : `${wrong.length} of ${paths.length} scenarios get another tier than expected`);
  return lines;
}

/** `rules OK: 7 pages, 84 questions, 12 factors, 5 hard stops, 4 tiers, 196 countries — version 1a2b3c4d5e6f (label)` */
export function summarizeRuleSet(ruleSet: RuleSet): string {
  const pages = ruleSet.questionnaire.pages;
  const questions = pages.reduce((n, p) => n + p.questions.length, 0);
  const m = ruleSet.riskModel;
  const count = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;
  return (
    `rules OK: ${count(pages.length, "page", "pages")}, ${count(questions, "question", "questions")}, ` +
    `${count(m.factors.length, "factor", "factors")}, ${count(m.hard_stops.length, "hard stop", "hard stops")}, ` +
    `${count(m.tiers.length, "tier", "tiers")}, ${count(ruleSet.countries.length, "country", "countries")}` +
    ` — version ${shortVersion(ruleSet.version)} (${ruleSet.label})`
  );
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await rulesCheck(process.argv.slice(2), process.env, io);
}
