// `npm run rules:check`, spawned: every problem on stderr and exit 1, or one summary line and exit 0.
import { mkdtemp, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { brokenRuleDir, removeRuleDirs, VALID_DIR } from "../rules/fixtures/rule-dirs.js";
import { lines, runCli } from "./run-cli.js";

afterAll(removeRuleDirs);

const SCRIPT = "src/cli/rules-check.ts";

describe("rules:check", () => {
  it("prints a one-line summary with the short version and label, and exits 0, for a valid folder", async () => {
    // a generous age limit: this test is about the summary, not the age of the fixture's facts
    const run = await runCli(SCRIPT, [VALID_DIR, "--max-age-months", "1200"]);
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(lines(run.stdout)).toHaveLength(1);
    expect(run.stdout).toMatch(
      /^rules OK: 4 pages, 11 questions, 3 factors, 1 hard stop, 4 tiers, 5 countries — version [0-9a-f]{12} \(loader fixture\)\n$/,
    );
  });

  it("prints every problem of every file as file:line:column: key: message, and exits 1", async () => {
    const dir = await brokenRuleDir("two-files");
    const run = await runCli(SCRIPT, [dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    const out = lines(run.stderr);
    expect(out).toHaveLength(3);
    expect(out[0]).toMatch(new RegExp(`^${escape(dir)}/questionnaire\\.yml:78:9: pages\\[2\\]\\.questions\\[1\\]\\.multi_line: unknown key "multi_line"; expected one of `));
    expect(out[1]).toBe(`${dir}/risk-model.yml:86:16: tiers[0].min_score: the first tier must start at min_score: 0 (got 5)`);
    expect(out[2]).toBe(`${dir}/risk-model.yml:101:17: hard_stop_tier: the hard-stop tier must escalate; "medium" does not (expected one of high, critical)`);
  });

  it("warns (exit 0) about each reference fact older than the age limit, naming its source", async () => {
    const run = await runCli(SCRIPT, [VALID_DIR, "--max-age-months", "1"]);
    expect(run.code).toBe(0);
    const warnings = lines(run.stderr);
    expect(warnings).toHaveLength(4);
    expect(warnings[0]).toMatch(/^warning: countries\.yml facts\.comprehensive_embargo: as_of 2026-01-31 is \d+ months old \(more than 1\); re-check it against "Fixture sanctions list" and update the date$/);
    const bad = await runCli(SCRIPT, [VALID_DIR, "--max-age-months", "soon"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("--max-age-months (or RULES_MAX_FACT_AGE_MONTHS) takes a whole number of months");
  });

  it("reads the folder from RULES_DIR when none is given", async () => {
    const run = await runCli(SCRIPT, [], { RULES_DIR: VALID_DIR });
    expect(run.code).toBe(0);
    expect(run.stdout).toContain("rules OK:");
  });

  it("reports a folder that does not exist", async () => {
    const run = await runCli(SCRIPT, ["/nonexistent/rules"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe("/nonexistent/rules: no such folder; expected the folder holding the rule set\n");
  });

  it("--paths prints the interview each shipped scenario takes, and the shortest paths meet the targets", async () => {
    const run = await runCli(SCRIPT, ["rules", "--paths"]);
    // the only thing on stderr may be warnings about facts to re-check
    expect(lines(run.stderr).every((l) => l.startsWith("warning: "))).toBe(true);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    const fire = out.findIndex((l) => l.startsWith("low_thermal_cameras_fire_brigade: "));
    expect(out[fire]).toMatch(/^low_thermal_cameras_fire_brigade: 2 pages, 12 questions, tier low, score \d+$/);
    expect(out[fire + 1]).toMatch(/^ {2}1\. The deal \(7\): item_category, /);
    expect(out[fire + 2]).toMatch(/^ {2}2\. Customer and delivery \(5\): /);
    expect(out.at(-1)).toMatch(/^every scenario gets its expected tier \(\d+\)$/);
  });

  it("--paths exits 1 and names a scenario whose tier differs from what it expects", async () => {
    const dir = await scenarioDirWith("low_wrong.yml", (text) => text.replace('tier: "prohibited"', 'tier: "low"'));
    const run = await runCli(SCRIPT, ["rules", "--paths", dir]);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/^low_wrong: \d+ pages, \d+ questions, tier prohibited \(EXPECTED low\), score \d+$/m);
    expect(lines(run.stdout).at(-1)).toBe("1 of 1 scenarios get another tier than expected");
  });
});

/** A folder with one shipped scenario (the Cuba embargo one), edited. */
async function scenarioDirWith(name: string, edit: (text: string) => string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "dd-scenarios-"));
  const text = await readFile("test/rules/scenarios/hard_stop_embargo_cuba_hotel_cameras.yml", "utf8");
  await writeFile(join(dir, name), edit(text));
  return dir;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
