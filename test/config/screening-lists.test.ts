// SCREENING_LISTS: comma-separated list files, checked when the bot starts like every other
// variable: a missing file or one of another kind is one line naming the variable and the file.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/env.js";

const CSV = "test/fixtures/lists/csl-sample.csv";
const JSON_FILE = "test/fixtures/lists/csl-sample.json";

describe("SCREENING_LISTS", () => {
  it("is empty when unset: no list screening", () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { screeningLists: [] } });
    expect(loadConfig({ SCREENING_LISTS: "  " })).toMatchObject({ ok: true, config: { screeningLists: [] } });
  });

  it("takes comma-separated paths of existing .csv and .json files", () => {
    expect(loadConfig({ SCREENING_LISTS: ` ${CSV} , ${JSON_FILE}` })).toMatchObject({ ok: true, config: { screeningLists: [CSV, JSON_FILE] } });
  });

  it("reports a missing file, a file of another kind and an empty entry, one line each", () => {
    const r = loadConfig({ SCREENING_LISTS: `${CSV},lists/nowhere.csv,lists/csl.xlsx,` });
    expect(r).toEqual({
      ok: false,
      problems: [
        "SCREENING_LISTS: lists/nowhere.csv: no such file",
        "SCREENING_LISTS: lists/csl.xlsx: expected a .csv or .json file (the Consolidated Screening List download)",
        "SCREENING_LISTS: expected comma-separated paths of list files (an empty one is in the list)",
      ],
    });
  });

  it("asks the file system through the check it is given", () => {
    const seen: string[] = [];
    const r = loadConfig({ SCREENING_LISTS: "a.csv,b.json" }, { isFile: (p) => (seen.push(p), p === "a.csv") });
    expect(seen).toEqual(["a.csv", "b.json"]);
    expect(r).toEqual({ ok: false, problems: ["SCREENING_LISTS: b.json: no such file"] });
  });
});
