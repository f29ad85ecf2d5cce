// `npm run score`, spawned: answers from YAML are checked against their questions, scored with
// the rule set, and printed as a table or as JSON.
import { describe, expect, it } from "vitest";
import { ScoringResultSchema } from "../../src/domain/scoring.js";
import { VALID_DIR } from "../rules/fixtures/rule-dirs.js";
import { lines, runCli } from "./run-cli.js";

const SCRIPT = "src/cli/score.ts";
const EMBARGO = "test/cli/fixtures/answers-embargo.yml";
const LOW = "test/cli/fixtures/answers-low.yml";
const INVALID = "test/cli/fixtures/answers-invalid.yml";

describe("score", () => {
  it("prints tier, score, hard stops and the factor trail as an aligned table", async () => {
    const run = await runCli(SCRIPT, [EMBARGO, "--rules", VALID_DIR]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^rules {7}[0-9a-f]{12} \(loader fixture\)$/);
    expect(out[1]).toBe("tier        Critical (critical): escalate, 2 approvals required");
    expect(out[2]).toBe("score       90");
    expect(out).toContain("  embargoed_destination  The destination is under a comprehensive embargo  Fixture sanctions list");
    const header = out.find((l) => l.startsWith("  POINTS  GROUP        FROM"));
    expect(header).toBeDefined();
    const rows = out.slice(out.indexOf(header ?? "") + 1, out.indexOf("groups"));
    expect(rows.map((r) => r.slice(0, 8).trim())).toEqual(["+30", "+20", "+20", "-10", "+25", "+5"]);
    // every row's rationale starts in the same column as the header's RATIONALE
    const column = (header ?? "").indexOf("RATIONALE");
    expect(rows.find((r) => r.includes("factor misuse_and_intercept"))?.indexOf("Reported misuse")).toBe(column);
    expect(rows.find((r) => r.includes("hr_clause"))?.indexOf("A tailored clause")).toBe(column);
  });

  it("warns about required questions left unanswered, and still scores", async () => {
    const run = await runCli(SCRIPT, [EMBARGO, "--rules", VALID_DIR]);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain("warning: 1 required question is unanswered (scored anyway): misuse_details");
  });

  it("prints the scoring result as JSON with --json", async () => {
    const run = await runCli(SCRIPT, [EMBARGO, "--json"], { RULES_DIR: VALID_DIR });
    expect(run.code).toBe(0);
    const result = ScoringResultSchema.parse(JSON.parse(run.stdout));
    expect(result.total).toBe(90);
    expect(result.tier.id).toBe("critical");
    expect(result.hardStops.map((h) => h.id)).toEqual(["embargoed_destination"]);
    expect(result.missing).toEqual([{ pageId: "government", questionId: "misuse_details" }]);
    expect(result.ruleSetVersion).toMatch(/^[0-9a-f]{64}$/);
  });

  it("accepts a country by its name or another name it goes by, as the shipped rules know them", async () => {
    const { mkdtemp, writeFile } = await import("node:fs/promises");
    const { tmpdir } = await import("node:os");
    const { join } = await import("node:path");
    const dir = await mkdtemp(join(tmpdir(), "dd-score-"));
    const base = "test/rules/scenarios/low_thermal_cameras_fire_brigade.yml";
    const { readFile } = await import("node:fs/promises");
    const text = await readFile(base, "utf8");
    for (const [written, stop] of [
      ["Democratic People's Republic of Korea", "comprehensive_embargo"],
      ["DPRK", "comprehensive_embargo"],
      ["Russian Federation", "ear_country_wide_licence"],
    ] as const) {
      const file = join(dir, "answers.yml");
      await writeFile(file, text.replace('destination: "DE"', `destination: "${written}"`));
      const run = await runCli(SCRIPT, [file, "--json"], { RULES_DIR: "rules" });
      expect(run.stderr.split("\n").filter((l) => !l.startsWith("warning:") && l !== "")).toEqual([]);
      expect(run.code, written).toBe(0);
      expect(ScoringResultSchema.parse(JSON.parse(run.stdout)).hardStops.map((h) => h.id), written).toContain(stop);
    }
  });

  it("scores credits of a mitigation group as negative points, never below a total of 0", async () => {
    const run = await runCli(SCRIPT, [LOW, "--rules", VALID_DIR, "--json"]);
    const result = ScoringResultSchema.parse(JSON.parse(run.stdout));
    expect(result.factors.map((f) => [f.questionId, f.points])).toEqual([
      ["item", 5],
      ["hr_clause", -10],
    ]);
    expect(result.total).toBe(0);
    expect(result.tier.id).toBe("low");
    expect(result.escalate).toBe(false);
  });

  it("lists every invalid answer and unknown question at file:line:column, and exits 1", async () => {
    const run = await runCli(SCRIPT, [INVALID, "--rules", VALID_DIR]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(lines(run.stderr)).toEqual([
      `${INVALID}: 8 problems with the answers:`,
      `${INVALID}:1:7: item: expected one of spyware, cameras, network_monitoring (got "drones")`,
      `${INVALID}:2:14: destination: expected a country in countries.yml, by its code, name or another name it goes by, such as DE, Germany, DPRK or Burma (got "XX")`,
      `${INVALID}:3:17: contract_value: Enter at least 0. (got -5)`,
      `${INVALID}:4:16: end_user_type: expected one of police, intelligence, private (got a list)`,
      `${INVALID}:5:18: reported_misuse: expected one of yes, no (got "maybe")`,
      `${INVALID}:6:12: hr_clause: expected one of yes, no (got 3)`,
      `${INVALID}:7:1: favourite_colour: no question with id "favourite_colour"`,
      `${INVALID}:8:16: delivery_date: Enter a date like 2026-03-31. (got "2026-02-30")`,
    ]);
  });

  it("takes the answers of a scenario file from its answers: key", async () => {
    const run = await runCli(SCRIPT, ["test/cli/fixtures/scenario-low.yml", "--rules", VALID_DIR]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      "test/cli/fixtures/scenario-low.yml: 1 problem with the answers:",
      'test/cli/fixtures/scenario-low.yml:12:3: answers.hr_clauses: no question with id "hr_clauses" (did you mean "hr_clause"?)',
    ]);
  });

  it("refuses to score with an invalid rule set", async () => {
    const run = await runCli(SCRIPT, [LOW, "--rules", "/nonexistent/rules"]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual([
      "The rule set in /nonexistent/rules is invalid:",
      "/nonexistent/rules: no such folder; expected the folder holding the rule set",
    ]);
  });

  it("explains its usage when the answers file is missing", async () => {
    const run = await runCli(SCRIPT, ["--rules", VALID_DIR]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain("usage: npm run score -- FILE.yml [--rules dir] [--json]");
  });
});
