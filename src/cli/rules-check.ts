// `npm run rules:check [dir]`: validates a rule set folder (default: $RULES_DIR or ./rules).
// Prints every problem as file:line:column: key: what is expected, and exits 1; or prints a
// one-line summary with the rule set's version and exits 0.
import { pathToFileURL } from "node:url";
import { resolve } from "node:path";
import type { RuleSet } from "../domain/rule-set.js";
import { formatProblem, loadRuleSet, shortVersion } from "../rules/load.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const USAGE = "usage: npm run rules:check [dir]   (default: $RULES_DIR or ./rules)";

export async function rulesCheck(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  if (args.length > 1 || args.some((a) => a.startsWith("-"))) {
    io.stderr(USAGE);
    return 2;
  }
  const dir = args[0] ?? env.RULES_DIR ?? "./rules";
  const loaded = await loadRuleSet(dir);
  if (!loaded.ok) {
    for (const p of loaded.problems) io.stderr(formatProblem(p));
    return 1;
  }
  io.stdout(summarizeRuleSet(loaded.ruleSet));
  return 0;
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
