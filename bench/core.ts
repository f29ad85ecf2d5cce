// The pure core on its own: how long the shipped rule set takes to load (read, parse, validate,
// cross-check, prove satisfiable, hash), how many screenings per second scoreScreening
// scores with it, over every transaction of the scenario suite in turn, and how long screening
// 10 names against a 20,000-entry restricted-party list takes (party-screening.ts).
import { performance } from "node:perf_hooks";
import type { RuleSet } from "../src/domain/rule-set.js";
import { scoreScreening } from "../src/domain/scoring.js";
import { formatProblem, loadRuleSet } from "../src/rules/load.js";
import { measurePartyScreening, type PartyScreeningResult } from "./party-screening.js";
import { loadScenarios } from "./scenarios.js";
import { round } from "./stats.js";

export interface CoreResult {
  /** the first load in this process (what the bot pays at start), ms */
  rulesLoadFirstMs: number;
  /** median of later loads, ms */
  rulesLoadWarmMs: number;
  scoringsPerSecond: number;
  scorings: number;
  scenarios: number;
  ruleSetVersion: string;
  /** 10 names screened against a generated 20,000-entry list */
  partyScreening: PartyScreeningResult;
}

export async function loadRules(dir: string): Promise<RuleSet> {
  const loaded = await loadRuleSet(dir);
  if (!loaded.ok) throw new Error(`the rule set in ${dir} is invalid:\n${loaded.problems.map(formatProblem).join("\n")}`);
  return loaded.ruleSet;
}

export async function measureCore(rulesDir: string, opts: { scoringMs?: number; warmLoads?: number } = {}): Promise<CoreResult & { ruleSet: RuleSet }> {
  let t0 = performance.now();
  const ruleSet = await loadRules(rulesDir);
  const rulesLoadFirstMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < (opts.warmLoads ?? 5); i++) {
    t0 = performance.now();
    await loadRules(rulesDir);
    warm.push(performance.now() - t0);
  }
  warm.sort((a, b) => a - b);

  const answerSets = loadScenarios(ruleSet).map((s) => s.answers);
  if (answerSets.length === 0) throw new Error("no scenarios to score");
  let checksum = 0;
  for (let i = 0; i < 500; i++) checksum += scoreScreening(ruleSet, answerSets[i % answerSets.length] ?? {}).total;
  const budget = opts.scoringMs ?? 2_000;
  let scorings = 0;
  t0 = performance.now();
  let elapsed = 0;
  while (elapsed < budget) {
    for (let i = 0; i < 1_000; i++) checksum += scoreScreening(ruleSet, answerSets[(scorings + i) % answerSets.length] ?? {}).total;
    scorings += 1_000;
    elapsed = performance.now() - t0;
  }
  if (!Number.isFinite(checksum)) throw new Error("scoring produced a non-finite total");
  const partyScreening = measurePartyScreening();
  return {
    ruleSet,
    rulesLoadFirstMs: round(rulesLoadFirstMs),
    rulesLoadWarmMs: round(warm[Math.floor(warm.length / 2)] ?? 0),
    scoringsPerSecond: Math.round((scorings / elapsed) * 1000),
    scorings,
    scenarios: answerSets.length,
    ruleSetVersion: ruleSet.version.slice(0, 12),
    partyScreening,
  };
}
