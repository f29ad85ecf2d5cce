// Reading the US Consolidated Screening List as published for download, CSV and JSON: both give
// the same entries, and a malformed file is reported as `file:line: what is wrong`.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ListEntrySchema } from "../../src/domain/party-matching.js";
import { parseCslCsv, parseCslJson, parseListFile } from "../../src/lists/csl.js";
import { parseCsv } from "../../src/lists/csv.js";
import { formatListProblem } from "../../src/lists/problems.js";
import { hashListFiles, readListFiles } from "../../src/lists/read.js";

const CSV = "test/fixtures/lists/csl-sample.csv";
const JSON_FILE = "test/fixtures/lists/csl-sample.json";
const csvText = readFileSync(CSV, "utf8");
const jsonText = readFileSync(JSON_FILE, "utf8");

const HEADER =
  "_id,source,entity_number,type,programs,name,title,addresses,federal_register_notice,start_date,end_date,standard_order,license_requirement,license_policy,call_sign,vessel_type,gross_tonnage,gross_registered_tonnage,vessel_flag,vessel_owner,remarks,source_list_url,alt_names,citizenships,dates_of_birth,nationalities,places_of_birth,source_information_url,ids";
/** A CSV row with the CSL's 29 columns; `cells` by column name. */
function row(cells: Record<string, string>): string {
  return HEADER.split(",")
    .map((c) => {
      const v = cells[c] ?? "";
      return /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
    })
    .join(",");
}
const EL = "Entity List (EL) - Bureau of Industry and Security";

function problemsOf(result: ReturnType<typeof parseListFile>): string[] {
  return result.ok ? [] : result.problems.map(formatListProblem);
}

describe("the synthetic sample", () => {
  it("CSV and JSON parse to the same entries, in the same order, with the same hashes", () => {
    const fromCsv = parseCslCsv(CSV, csvText);
    const fromJson = parseCslJson(JSON_FILE, jsonText);
    if (!fromCsv.ok || !fromJson.ok) throw new Error(JSON.stringify([problemsOf(fromCsv), problemsOf(fromJson)]));
    expect(fromCsv.entries.length).toBe(30);
    expect(fromCsv.entries).toEqual(fromJson.entries);
    for (const e of fromCsv.entries) ListEntrySchema.parse(e);
  });

  it("reads every field: lists split at ';', addresses with their country code, blank fields left out", () => {
    const parsed = parseCslCsv(CSV, csvText);
    if (!parsed.ok) throw new Error("sample does not parse");
    const first = parsed.entries[0];
    expect(first).toMatchObject({
      id: "ex-el-0001",
      source: EL,
      type: "Entity",
      programs: ["EAR"],
      name: "Example Tekhnologii OOO",
      altNames: ["OOO Primer Tekhnologii", "Example Technologies LLC"],
      addresses: [{ text: "ul. Primernaya 1, Moscow, 101000, RU", country: "RU" }],
      citizenships: [],
      startDate: "2026-01-15",
      sourceListUrl: "https://lists.example.org/csl/el",
      sourceInformationUrl: "https://lists.example.org/csl/el/about",
    });
    expect(first?.remarks).toBe("Synthetic entry for tests.\nIts remarks span two lines, as some do.");
    expect(first).not.toHaveProperty("entityNumber");
    const individual = parsed.entries.find((e) => e.id === "ex-sdn-0006");
    expect(individual).toMatchObject({ type: "Individual", citizenships: ["RU"], nationalities: ["RU"], addresses: [{ text: "Minsk, BY", country: "BY" }] });
    const twoAddresses = parsed.entries.find((e) => e.id === "ex-el-0024");
    expect(twoAddresses?.addresses.map((a) => a.country)).toEqual(["CN", "HK"]);
  });

  it("numbers each CSV record by the line it starts on (quoted line breaks included)", () => {
    const parsed = parseCslCsv(CSV, csvText);
    if (!parsed.ok) throw new Error("sample does not parse");
    // entry 1 spans lines 2 and 3 (its remarks have a line break)
    expect(parsed.lines.slice(0, 3)).toEqual([2, 4, 5]);
  });

  it("gives an entry a new hash when its content changes, and the same hash otherwise", () => {
    const a = parseCslCsv("a.csv", [HEADER, row({ _id: "x1", source: EL, name: "Zorblax Ltd", addresses: "Minsk, BY" })].join("\n"));
    const b = parseCslCsv("b.csv", [HEADER, row({ _id: "x1", source: EL, name: "Zorblax Ltd", addresses: "Minsk, BY" })].join("\r\n") + "\r\n");
    const c = parseCslCsv("c.csv", [HEADER, row({ _id: "x1", source: EL, name: "Zorblax Ltd", addresses: "Grodno, BY" })].join("\n"));
    if (!a.ok || !b.ok || !c.ok) throw new Error("does not parse");
    expect(a.entries[0]?.hash).toBe(b.entries[0]?.hash);
    expect(a.entries[0]?.hash).not.toBe(c.entries[0]?.hash);
  });
});

describe("malformed CSV", () => {
  it.each([
    [
      "a field count that differs from the header",
      [HEADER, row({ _id: "x1", source: EL, name: "Zorblax" }), "x2,Entity List,,Entity"].join("\n"),
      ["bad.csv:3: expected 29 fields as in the header, got 4"],
    ],
    [
      "an entry without a name or id",
      [HEADER, row({ _id: "x1", source: EL, name: "Zorblax" }), row({ _id: "x2", source: EL }), row({ source: EL, name: "Quelp" })].join("\n"),
      ["bad.csv:3: entry (id x2): name: missing (every entry needs one)", "bad.csv:4: entry: _id: missing (every entry needs one)"],
    ],
    [
      "a quoted field never closed (named at the line it opens)",
      [HEADER, row({ _id: "x1", source: EL, name: "Zorblax" }), `x2,${EL},,Entity,EAR,"Quelp Ltd,,,,,,,,,,,,,,,,,,,,,,,`, "more text"].join("\n"),
      ['bad.csv:3: a quoted field is never closed (a " is missing)'],
    ],
    ["a stray quote after a quoted field", [HEADER, `x1,"${EL}"x,,Entity`].join("\n"), ['bad.csv:2: unexpected "x" after a closing quote (a quote inside a field is written "")']],
    ["a header without the CSL's columns", "id_number,list,full_name\n1,EL,Zorblax", ["bad.csv:1: the header has no _id, source, name column (expected the CSL's columns: _id, source, entity_number, type, programs, name, ...)"]],
    ["a header only", `${HEADER}\n`, ["bad.csv:1: no entries after the header"]],
    ["an empty file", "", ["bad.csv:1: empty file: expected a header row (_id, source, name, ...) and entries"]],
  ])("names file, line and problem: %s", (_what, text, expected) => {
    expect(problemsOf(parseListFile("bad.csv", text))).toEqual(expected);
  });

  it("counts lines after a record that spans several lines", () => {
    const text = [HEADER, row({ _id: "x1", source: EL, name: "Zorblax", remarks: "one\ntwo\nthree" }), row({ _id: "x2", source: EL })].join("\n");
    expect(problemsOf(parseListFile("bad.csv", text))).toEqual(["bad.csv:5: entry (id x2): name: missing (every entry needs one)"]);
  });
});

describe("malformed JSON", () => {
  it.each([
    ["a syntax error, at its line", '{\n  "results": [\n    { "id": "x1", "source": "EL", "name": "Zorblax" },\n    { "id": "x2" "source": "EL" }\n  ]\n}\n', /^bad\.json:4: not valid JSON: /],
    ["a truncated file, at its last line", '[\n  { "id": "x1", "source": "EL", "name": "Zorblax" },\n', /^bad\.json:3: not valid JSON: Unexpected end of JSON input$/],
    ["neither a list nor an object with results", '{ "entries": [] }', /^bad\.json:1: expected a list of entries, or an object whose `results` is the list/],
  ])("names file, line and problem: %s", (_what, text, expected) => {
    const problems = problemsOf(parseListFile("bad.json", text));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(expected);
  });

  it("names the entry's index and the line it starts on, for every wrong field", () => {
    const text = JSON.stringify(
      {
        total: 3,
        results: [
          { id: "x1", source: EL, name: "Zorblax", alt_names: ["Zorb"] },
          { id: "x2", source: EL, name: "Quelp", alt_names: "Quelp Trading; Q.T.", programs: [1, 2] },
          { id: "x3", source: EL, addresses: "Minsk, BY", name: { first: "Ivan" } },
          "not an entry",
        ],
      },
      null,
      2,
    );
    const lines = text.split("\n");
    // the line of the "{" that opens the entry: the one before its id (0-based index of the id's line = 1-based number of the line before)
    const lineOf = (needle: string) => lines.findIndex((l) => l.includes(needle));
    expect(problemsOf(parseListFile("bad.json", text))).toEqual([
      `bad.json:${lineOf('"id": "x2"')}: entry 2 (id x2): programs: expected a list of text (got 1 in it)`,
      `bad.json:${lineOf('"id": "x3"')}: entry 3 (id x3): name: expected text (got an object)`,
      `bad.json:${lines.findIndex((l) => l.includes('"not an entry"')) + 1}: entry 4: expected an object (got "not an entry")`,
    ]);
  });

  it("accepts a top-level list, `_id`, numbers as entity numbers and null fields", () => {
    const parsed = parseListFile("ok.json", JSON.stringify([{ _id: "x1", source: EL, name: "Zorblax", entity_number: 42, alt_names: null, addresses: [{ address: null, city: "Minsk", country: "BY" }] }]));
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
    expect(parsed.entries[0]).toMatchObject({ id: "x1", entityNumber: "42", altNames: [], addresses: [{ text: "Minsk, BY", country: "BY" }] });
  });
});

describe("other files", () => {
  it("refuses a file that is neither .csv nor .json", () => {
    expect(problemsOf(parseListFile("list.xlsx", "whatever"))).toEqual(["list.xlsx: expected a .csv or .json file (the Consolidated Screening List download)"]);
  });
});

describe("parseCsv", () => {
  it("reads quoted commas, doubled quotes, CRLF and a byte-order mark, and skips blank lines", () => {
    const parsed = parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\r\n\r\nz,\n');
    expect(parsed).toEqual({
      ok: true,
      records: [
        { line: 1, cells: ["a", "b"] },
        { line: 2, cells: ["x, y", 'say "hi"'] },
        { line: 4, cells: ["z", ""] },
      ],
    });
  });
});

describe("reading the list files of a set", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "dd-lists-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("takes an entry that is in two files once, and hashes the set independently of the files' order", async () => {
    const both = await readListFiles([CSV, JSON_FILE]);
    const reversed = await readListFiles([JSON_FILE, CSV]);
    if (!both.ok || !reversed.ok) throw new Error("sample does not read");
    expect(both.content.entries).toHaveLength(30);
    expect(both.content.files.map((f) => [f.name, f.entries])).toEqual([
      ["csl-sample.csv", 30],
      ["csl-sample.json", 30],
    ]);
    expect(both.content.contentHash).toBe(reversed.content.contentHash);
    expect(both.content.entryCounts[EL]).toBe(14);
    const hashed = await hashListFiles([CSV, JSON_FILE]);
    expect(hashed.ok && hashed.contentHash).toBe(both.content.contentHash);
  });

  it("reports the problems of every file, and returns no entries", async () => {
    const bad = join(dir, "bad.csv");
    await writeFile(bad, [HEADER, row({ _id: "y1", source: EL, name: "Zorblax" }), row({ _id: "y2", source: EL })].join("\n"));
    const badJson = join(dir, "bad.json");
    await writeFile(badJson, "[\n  {}\n]\n");
    const read = await readListFiles([CSV, bad, badJson]);
    expect(read.ok).toBe(false);
    if (read.ok) return;
    expect(read.problems.map(formatListProblem)).toEqual([
      `${bad}:3: entry (id y2): name: missing (every entry needs one)`,
      `${badJson}:2: entry 1: _id: missing (every entry needs one)`,
      `${badJson}:2: entry 1: source: missing (every entry needs one)`,
      `${badJson}:2: entry 1: name: missing (every entry needs one)`,
    ]);
  });

  it("refuses an entry id that two files give different content", async () => {
    const other = join(dir, "other.csv");
    await writeFile(other, [HEADER, row({ _id: "ex-el-0001", source: EL, name: "Other content, same id" })].join("\n"));
    const read = await readListFiles([CSV, other]);
    expect(read.ok ? [] : read.problems.map(formatListProblem)).toEqual([`${other}:2: entry id ex-el-0001 is also at ${CSV}:2, with other content`]);
  });

  it("names a missing file", async () => {
    const missing = join(dir, "missing.json");
    expect(await readListFiles([missing])).toEqual({ ok: false, problems: [{ file: missing, message: "no such file" }] });
    expect(await hashListFiles([CSV, missing])).toEqual({ ok: false, problems: [{ file: missing, message: "no such file" }] });
  });
});
