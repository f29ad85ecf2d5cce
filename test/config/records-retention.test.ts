// RECORDS_RETENTION_YEARS: how long records are kept before they may be deleted; never below the
// five years the EAR (15 CFR 762.6) asks for.
import { describe, expect, it } from "vitest";
import { loadConfig, recordsRetentionYears } from "../../src/config/env.js";

describe("RECORDS_RETENTION_YEARS", () => {
  it("defaults to 5 years", () => {
    expect(loadConfig({})).toMatchObject({ ok: true, config: { recordsRetentionYears: 5 } });
    expect(recordsRetentionYears({})).toEqual({ ok: true, years: 5 });
    expect(recordsRetentionYears({ RECORDS_RETENTION_YEARS: " " })).toEqual({ ok: true, years: 5 });
  });

  it("takes a whole number of years from 5 to 100", () => {
    expect(loadConfig({ RECORDS_RETENTION_YEARS: "10" })).toMatchObject({ ok: true, config: { recordsRetentionYears: 10 } });
    expect(recordsRetentionYears({ RECORDS_RETENTION_YEARS: " 7 " })).toEqual({ ok: true, years: 7 });
  });

  it.each(["4", "0", "101", "5.5", "five", "-5"])("refuses %j, naming the variable and what is expected", (value) => {
    const expected = `RECORDS_RETENTION_YEARS: expected a whole number of years from 5 to 100 (records are kept at least 5 years: EAR 15 CFR 762.6) (got "${value}")`;
    expect(loadConfig({ RECORDS_RETENTION_YEARS: value })).toEqual({ ok: false, problems: [expected] });
    expect(recordsRetentionYears({ RECORDS_RETENTION_YEARS: value })).toEqual({ ok: false, problem: expected });
  });
});
