// One problem in a rule set, located at file:line:column, and how it is printed. A problem says
// what is expected, so that whoever edits the YAML can fix it without reading the schema.

export type PathSegment = string | number;

export interface RuleProblem {
  /** the path as given to the loader: join(dir, name) */
  file: string;
  /** 1-based; 0 when the problem concerns the whole file (missing, unexpected) */
  line: number;
  /** 1-based; 0 when the problem concerns the whole file */
  column: number;
  /** dotted path of the offending key, e.g. pages[2].questions[0].options; empty for the file */
  key: string;
  /** what is expected, and what was found */
  message: string;
}

/** `rules/questionnaire.yml:12:7: pages[2].questions[0].type: expected one of … (got "choice")` */
export function formatProblem(p: RuleProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.key ? `${where}: ${p.key}: ${p.message}` : `${where}: ${p.message}`;
}

const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** ["pages", 2, "questions", 0, "type"] → pages[2].questions[0].type */
export function formatKey(path: readonly PathSegment[]): string {
  let out = "";
  for (const seg of path) {
    if (typeof seg === "number") out += `[${seg}]`;
    else if (PLAIN_KEY.test(seg)) out += out ? `.${seg}` : seg;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

/** By file, then line, then column; identical problems once. */
export function sortProblems(problems: readonly RuleProblem[]): RuleProblem[] {
  const seen = new Set<string>();
  const unique = problems.filter((p) => {
    const k = formatProblem(p);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return unique.sort(
    (a, b) =>
      compare(a.file, b.file) || a.line - b.line || a.column - b.column || compare(a.key, b.key) || compare(a.message, b.message),
  );
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A value as it appears in a message: strings quoted, lists and maps summarised. */
export function showValue(value: unknown): string {
  if (typeof value === "string") return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (value === null || value === undefined) return "nothing";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

/** The kind of a parsed YAML value, for "expected a number, got a string". */
export function describeKind(value: unknown): string {
  if (value === undefined || value === null) return "nothing (an empty value)";
  if (typeof value === "string") return value.trim() === "" ? "an empty string" : `a string (${showValue(value)})`;
  if (typeof value === "number") return Number.isInteger(value) ? `a number (${value})` : `a decimal number (${value})`;
  if (typeof value === "boolean") return `true/false (${value})`;
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return typeof value;
}

/** The candidate a misspelt name most likely meant (at most two edits away), if any. */
export function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: { k: string; d: number } | undefined;
  for (const k of candidates) {
    const d = distance(name.toLowerCase(), k.toLowerCase());
    if (!best || d < best.d) best = { k, d };
  }
  return best && best.d <= (best.k.length >= 4 ? 2 : 1) ? best.k : undefined;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] ?? 0;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j] ?? 0;
      row[j] = Math.min((row[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length] ?? 0;
}

