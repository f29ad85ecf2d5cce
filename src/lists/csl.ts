// The US Consolidated Screening List (CSL) as the US government publishes it for download, CSV
// and JSON, read into the domain's ListEntry. Both formats give the same entries for the same
// content: lists are cleaned of empty items, blank fields left out, addresses written as one
// line ("street, city, state, postal code, country") with the country as an ISO code.
//
// CSV: a header row naming the columns (`_id`, `source`, `entity_number`, `type`, `programs`,
// `name`, `title`, `addresses`, ..., `alt_names`, `citizenships`, `nationalities`,
// `source_list_url`, `source_information_url`, `ids`, in any order; others are ignored);
// list-valued cells separated by "; ". JSON: a list of entries, or an object whose `results`
// is that list (as the download has it); `id` or `_id`, lists as arrays, addresses as objects
// (`address`, `city`, `state`, `postal_code`, `country`).
import { createHash } from "node:crypto";
import { countryCode, type ListAddress, type ListEntry, type ListEntryContent } from "../domain/party-matching.js";
import { canonicalJson, normaliseJson } from "../store/json.js";
import { parseCsv } from "./csv.js";
import type { ListProblem } from "./problems.js";

/** The entries of one file, each with the line it starts on. */
export type ParsedListFile = { ok: true; entries: ListEntry[]; lines: number[] } | { ok: false; problems: ListProblem[] };

/** sha256 of an entry's content, as canonical JSON: the same content always has the same hash. */
export function entryHash(content: ListEntryContent): string {
  return createHash("sha256").update(canonicalJson(normaliseJson(content))).digest("hex");
}

/** Reads a CSL file by its extension: .csv or .json. */
export function parseListFile(file: string, text: string): ParsedListFile {
  if (/\.csv$/i.test(file)) return parseCslCsv(file, text);
  if (/\.json$/i.test(file)) return parseCslJson(file, text);
  return { ok: false, problems: [{ file, message: "expected a .csv or .json file (the Consolidated Screening List download)" }] };
}

// ---------------------------------------------------------------------------------------------
// Fields, whichever format they come from

type Raw = Record<string, unknown>;

class EntryReader {
  readonly problems: string[] = [];
  constructor(private readonly raw: Raw) {}

  /** A text field; numbers are taken as text (entity numbers). Blank is absent. */
  text(...keys: string[]): string | undefined {
    const key = keys.find((k) => this.raw[k] !== undefined && this.raw[k] !== null) ?? keys[0] ?? "";
    const v = this.raw[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v === "number" && Number.isFinite(v)) return String(v);
    if (typeof v !== "string") {
      this.problems.push(`${key}: expected text (got ${describe(v)})`);
      return undefined;
    }
    const t = v.trim();
    return t === "" ? undefined : t;
  }

  required(key: string, ...alternatives: string[]): string {
    const v = this.text(key, ...alternatives);
    if (v === undefined && !this.problems.some((p) => p.startsWith(`${key}:`))) this.problems.push(`${key}: missing (every entry needs one)`);
    return v ?? "";
  }

  /** A list: an array of text (JSON), or text separated by ";" (CSV). */
  list(key: string): string[] {
    const v = this.raw[key];
    if (v === undefined || v === null) return [];
    if (typeof v === "string") return splitList(v);
    if (Array.isArray(v)) {
      const out: string[] = [];
      for (const item of v) {
        if (typeof item === "string") {
          const t = item.trim();
          if (t !== "") out.push(t);
        } else if (item !== null) {
          this.problems.push(`${key}: expected a list of text (got ${describe(item)} in it)`);
          return [];
        }
      }
      return out;
    }
    this.problems.push(`${key}: expected a list of text (got ${describe(v)})`);
    return [];
  }

  addresses(): ListAddress[] {
    const v = this.raw.addresses;
    if (v === undefined || v === null) return [];
    if (typeof v === "string") return splitList(v).map(addressFromText);
    if (!Array.isArray(v)) {
      this.problems.push(`addresses: expected a list of addresses (got ${describe(v)})`);
      return [];
    }
    const out: ListAddress[] = [];
    for (const a of v) {
      if (typeof a === "string") {
        if (a.trim() !== "") out.push(addressFromText(a));
        continue;
      }
      if (typeof a !== "object" || a === null || Array.isArray(a)) {
        this.problems.push(`addresses: expected address objects (address, city, state, postal_code, country) (got ${describe(a)})`);
        return [];
      }
      const part = (k: string): string => {
        const x = (a as Raw)[k];
        return typeof x === "string" ? x.trim() : typeof x === "number" ? String(x) : "";
      };
      const country = part("country");
      const parts = [part("address"), part("city"), part("state") || part("state_or_province"), part("postal_code"), country].filter((p) => p !== "");
      if (parts.length === 0) continue;
      const code = countryCode(country);
      out.push({ text: parts.join(", "), ...(code !== undefined ? { country: code } : {}) });
    }
    return out;
  }
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  if (v === null) return "null";
  if (typeof v === "object") return "an object";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}…` : v);
  return String(v);
}

function splitList(text: string): string[] {
  return text
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** "street, city, state, postal code, country", blank parts left out: the country is the last part, when it is one. */
function addressFromText(text: string): ListAddress {
  const parts = text
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  const code = countryCode(parts[parts.length - 1]);
  return { text: parts.join(", "), ...(code !== undefined ? { country: code } : {}) };
}

/** The entry of one record, or what is wrong with it. */
function readEntry(raw: Raw): { entry: ListEntry } | { problems: string[]; id: string | undefined } {
  const r = new EntryReader(raw);
  const id = r.required("_id", "id");
  const content: ListEntryContent = {
    id,
    source: r.required("source"),
    entityNumber: r.text("entity_number"),
    type: r.text("type"),
    programs: r.list("programs"),
    name: r.required("name"),
    altNames: r.list("alt_names"),
    addresses: r.addresses(),
    citizenships: r.list("citizenships"),
    nationalities: r.list("nationalities"),
    startDate: r.text("start_date"),
    remarks: r.text("remarks"),
    sourceListUrl: r.text("source_list_url"),
    sourceInformationUrl: r.text("source_information_url"),
  };
  if (r.problems.length > 0) return { problems: r.problems, id: id === "" ? undefined : id };
  // undefined fields are dropped, so the entry equals what the database gives back
  const clean = Object.fromEntries(Object.entries(content).filter(([, v]) => v !== undefined)) as ListEntryContent;
  return { entry: { ...clean, hash: entryHash(clean) } };
}

function entryProblems(file: string, line: number, what: string, id: string | undefined, problems: string[]): ListProblem[] {
  const who = id === undefined ? what : `${what} (id ${id})`;
  return problems.map((message) => ({ file, line, message: `${who}: ${message}` }));
}

// ---------------------------------------------------------------------------------------------
// CSV

export function parseCslCsv(file: string, text: string): ParsedListFile {
  const parsed = parseCsv(text);
  if (!parsed.ok) return { ok: false, problems: [{ file, line: parsed.line, message: parsed.message }] };
  const [header, ...rows] = parsed.records;
  if (header === undefined) return { ok: false, problems: [{ file, line: 1, message: "empty file: expected a header row (_id, source, name, ...) and entries" }] };
  const columns = header.cells.map((c) => c.trim());
  const missing = [["_id", "id"], ["source"], ["name"]].filter((names) => !names.some((n) => columns.includes(n)));
  if (missing.length > 0) {
    return {
      ok: false,
      problems: [{ file, line: header.line, message: `the header has no ${missing.map((m) => m[0]).join(", ")} column (expected the CSL's columns: _id, source, entity_number, type, programs, name, ...)` }],
    };
  }
  const problems: ListProblem[] = [];
  const entries: ListEntry[] = [];
  const lines: number[] = [];
  for (const row of rows) {
    if (row.cells.length !== columns.length) {
      problems.push({ file, line: row.line, message: `expected ${columns.length} fields as in the header, got ${row.cells.length}` });
      continue;
    }
    const raw: Raw = {};
    columns.forEach((c, i) => {
      raw[c] = row.cells[i];
    });
    const read = readEntry(raw);
    if ("entry" in read) {
      entries.push(read.entry);
      lines.push(row.line);
    } else problems.push(...entryProblems(file, row.line, "entry", read.id, read.problems));
  }
  if (problems.length > 0) return { ok: false, problems };
  if (entries.length === 0) return { ok: false, problems: [{ file, line: header.line, message: "no entries after the header" }] };
  return { ok: true, entries, lines };
}

// ---------------------------------------------------------------------------------------------
// JSON

export function parseCslJson(file: string, text: string): ParsedListFile {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let data: unknown;
  try {
    data = JSON.parse(body);
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    const at = /at position (\d+)/.exec(message);
    const line = at ? lineAt(body, Number(at[1])) : lineAt(body, body.length);
    return { ok: false, problems: [{ file, line, message: `not valid JSON: ${message.replace(/ in JSON at position \d+.*$/, "")}` }] };
  }
  const list = Array.isArray(data) ? data : typeof data === "object" && data !== null && Array.isArray((data as Raw).results) ? ((data as Raw).results as unknown[]) : undefined;
  if (list === undefined) {
    return { ok: false, problems: [{ file, line: 1, message: "expected a list of entries, or an object whose `results` is the list (as the CSL download has it)" }] };
  }
  const starts = elementLines(body, Array.isArray(data));
  const problems: ListProblem[] = [];
  const entries: ListEntry[] = [];
  const lines: number[] = [];
  list.forEach((item, i) => {
    const line = starts[i] ?? 1;
    if (typeof item !== "object" || item === null || Array.isArray(item)) {
      problems.push({ file, line, message: `entry ${i + 1}: expected an object (got ${describe(item)})` });
      return;
    }
    const read = readEntry(item as Raw);
    if ("entry" in read) {
      entries.push(read.entry);
      lines.push(line);
    } else problems.push(...entryProblems(file, line, `entry ${i + 1}`, read.id, read.problems));
  });
  if (problems.length > 0) return { ok: false, problems };
  if (entries.length === 0) return { ok: false, problems: [{ file, line: 1, message: "no entries" }] };
  return { ok: true, entries, lines };
}

function lineAt(text: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

/**
 * The line each element of the entries array starts on, read from the (valid) JSON text: the
 * top-level array, or the array under the top-level `results` key.
 */
function elementLines(text: string, topLevelArray: boolean): number[] {
  const out: number[] = [];
  let line = 1;
  let depth = 0;
  let inString = false;
  let arrayDepth = topLevelArray ? 1 : -1;
  let lastKey = "";
  let keyStart = -1;
  let expectElement = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') {
        inString = false;
        if (keyStart >= 0) lastKey = text.slice(keyStart, i);
      }
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\n") continue;
    if (expectElement && c !== "]") {
      out.push(line);
      expectElement = false;
    }
    if (c === '"') {
      inString = true;
      keyStart = depth === 1 && !topLevelArray ? i + 1 : -1;
    } else if (c === "{" || c === "[") {
      depth++;
      if (c === "[" && arrayDepth < 0 && depth === 2 && lastKey === "results") arrayDepth = 2;
      if (c === "[" && depth === arrayDepth) expectElement = true;
    } else if (c === "}" || c === "]") {
      depth--;
    } else if (c === "," && depth === arrayDepth) {
      expectElement = true;
    }
  }
  return out;
}
