// `npm run score -- answers.yml --lists FILE`: the parties named in the answers are screened
// against the list files; a potential match is printed and in --json as `partyMatches`, and the
// scoring gets the `party_match: potential` signal (the shipped rules' potential_party_match factor).
import { describe, expect, it } from "vitest";
import { PartyMatchSchema } from "../../src/domain/party-matching.js";
import { ScoringResultSchema } from "../../src/domain/scoring.js";
import { lines, runCli } from "./run-cli.js";

const SCRIPT = "src/cli/score.ts";
const ANSWERS = "test/cli/fixtures/answers-listed-party.yml";
const LOW = "test/rules/scenarios/low_thermal_cameras_fire_brigade.yml";
const CSV = "test/fixtures/lists/csl-sample.csv";
const JSON_FILE = "test/fixtures/lists/csl-sample.json";

describe("score --lists", () => {
  it("prints the potential match: score, our field, our name, the listed name, the entry and its list", async () => {
    const run = await runCli(SCRIPT, [ANSWERS, "--lists", CSV]);
    expect(run.code, run.stderr).toBe(0);
    const out = lines(run.stdout);
    const at = out.indexOf("party matches");
    expect(at).toBeGreaterThan(0);
    expect(out[at + 1]).toMatch(/^ {2}SCORE {2}FIELD +OUR NAME +LISTED NAME +ENTRY +LIST$/);
    expect(out[at + 2]?.split(/\s{2,}/).filter((c) => c !== "")).toEqual([
      "1.000",
      "end_user_name",
      "ООО «Пример Технологии»",
      "OOO Primer Tekhnologii",
      "ex-el-0001",
      "Entity List (EL) - Bureau of Industry and Security",
    ]);
    expect(out.some((l) => /^ +\+10 +diversion +factor potential_party_match/.test(l))).toBe(true);
  });

  it("puts partyMatches in --json and scores the potential match, which without --lists is not there", async () => {
    const run = await runCli(SCRIPT, [ANSWERS, "--lists", JSON_FILE, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { partyMatches: unknown[] };
    const matches = json.partyMatches.map((m) => PartyMatchSchema.parse(m));
    expect(matches.map((m) => [m.questionId, m.partyName, m.listedName, m.source, m.score])).toEqual([
      ["end_user_name", "ООО «Пример Технологии»", "OOO Primer Tekhnologii", "Entity List (EL) - Bureau of Industry and Security", 1],
    ]);
    const withLists = ScoringResultSchema.parse(json);
    expect(withLists.factors.map((f) => f.factorId)).toContain("potential_party_match");

    const without = await runCli(SCRIPT, [ANSWERS, "--json"]);
    const plain = JSON.parse(without.stdout) as Record<string, unknown>;
    expect(plain).not.toHaveProperty("partyMatches");
    expect(ScoringResultSchema.parse(plain).factors.map((f) => f.factorId)).not.toContain("potential_party_match");
    expect(withLists.total).toBe(ScoringResultSchema.parse(plain).total + 10);
  });

  it("says so when nobody matches, and scores no match", async () => {
    const run = await runCli(SCRIPT, [LOW, "--lists", CSV, "--json"]);
    expect(run.code, run.stderr).toBe(0);
    const json = JSON.parse(run.stdout) as { partyMatches: unknown[] };
    expect(json.partyMatches).toEqual([]);
    const text = await runCli(SCRIPT, [LOW, "--lists", CSV]);
    expect(lines(text.stdout)).toContain("party matches  none");
  });

  it("reports a malformed list file as file:line: problem and exits 1", async () => {
    const run = await runCli(SCRIPT, [ANSWERS, "--lists", "test/cli/fixtures/answers-low.yml"]);
    expect(run.code).toBe(1);
    expect(lines(run.stderr)).toEqual(["1 problem with the list files:", "test/cli/fixtures/answers-low.yml: expected a .csv or .json file (the Consolidated Screening List download)"]);
    const missing = await runCli(SCRIPT, [ANSWERS, "--lists"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("--lists needs a list file");
  });
});
