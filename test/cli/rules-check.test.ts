// `npm run rules:check`, spawned: every problem on stderr and exit 1, or one summary line and exit 0.
import { afterAll, describe, expect, it } from "vitest";
import { brokenRuleDir, removeRuleDirs, VALID_DIR } from "../rules/fixtures/rule-dirs.js";
import { lines, runCli } from "./run-cli.js";

afterAll(removeRuleDirs);

const SCRIPT = "src/cli/rules-check.ts";

describe("rules:check", () => {
  it("prints a one-line summary with the short version and label, and exits 0, for a valid folder", async () => {
    const run = await runCli(SCRIPT, [VALID_DIR]);
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
});

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
