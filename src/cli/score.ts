// `npm run score -- answers.yml [--rules dir] [--lists FILE]... [--json]`: scores a file of
// answers (question id → answer) with a rule set, the same way the bot scores a submitted
// screening, and prints the tier, score, hard stops and the trail of contributing factors. For
// rule authors trying out a change, and for reproducing a past score. With `--lists`, the
// parties named in the answers (questions with `party:`) are screened against those list files
// first (US Consolidated Screening List, CSV or JSON), and any potential match is reported and
// scored as the `party_match: potential` signal.
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { checkAnswer, findCountryCode, interviewState, optionsOf, questionIndex } from "../domain/interview.js";
import { buildListIndex, partiesFromAnswers, screenNames, screeningSettingsOf, type PartyMatch } from "../domain/party-matching.js";
import type { AnswerValue, Question, RuleSet } from "../domain/rule-set.js";
import { scoreScreening, type ScoringResult } from "../domain/scoring.js";
import { formatListProblem } from "../lists/problems.js";
import { readListFiles } from "../lists/read.js";
import { formatProblem, loadRuleSet, shortVersion } from "../rules/load.js";
import { closest, type RuleProblem } from "../rules/problems.js";
import { parseYaml, problemAt } from "../rules/yaml-source.js";

export interface CliIo {
  stdout: (line: string) => void;
  stderr: (line: string) => void;
}

const USAGE = "usage: npm run score -- FILE.yml [--rules dir] [--json] [--lists LIST.csv|LIST.json]...   (rules default: $RULES_DIR or ./rules)";

interface Args {
  file: string;
  rulesDir: string;
  json: boolean;
  /** restricted-party list files to screen the parties against (none: no screening) */
  lists: string[];
}

function parseArgs(args: readonly string[], env: NodeJS.ProcessEnv): Args | string {
  let file: string | undefined;
  let rulesDir = env.RULES_DIR ?? "./rules";
  let json = false;
  const lists: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === "--json") json = true;
    else if (a === "--lists") {
      const list = args[++i];
      if (list === undefined) return "--lists needs a list file (.csv or .json)";
      lists.push(list);
    } else if (a?.startsWith("--lists=")) lists.push(a.slice("--lists=".length));
    else if (a === "--rules") {
      const dir = args[++i];
      if (dir === undefined) return "--rules needs a folder";
      rulesDir = dir;
    } else if (a?.startsWith("--rules=")) rulesDir = a.slice("--rules=".length);
    else if (a?.startsWith("-")) return `unknown option ${a}`;
    else if (file === undefined) file = a;
    else return `one answers file only (got ${file} and ${a})`;
  }
  if (file === undefined) return "which answers file?";
  return { file, rulesDir, json, lists };
}

export async function scoreCli(args: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    io.stdout(USAGE);
    return 0;
  }
  const parsed = parseArgs(args, env);
  if (typeof parsed === "string") {
    io.stderr(`${parsed}\n${USAGE}`);
    return 2;
  }

  const loaded = await loadRuleSet(parsed.rulesDir);
  if (!loaded.ok) {
    io.stderr(`The rule set in ${parsed.rulesDir} is invalid:`);
    for (const p of loaded.problems) io.stderr(formatProblem(p));
    return 1;
  }
  const ruleSet = loaded.ruleSet;

  let text: string;
  try {
    text = await readFile(parsed.file, "utf8");
  } catch (e) {
    io.stderr(`${parsed.file}: cannot read the answers file (${e instanceof Error ? e.message : String(e)})`);
    return 1;
  }
  const read = readAnswers(ruleSet, parsed.file, text);
  if (!read.ok) {
    io.stderr(`${parsed.file}: ${read.problems.length} ${read.problems.length === 1 ? "problem" : "problems"} with the answers:`);
    for (const p of read.problems) io.stderr(formatProblem(p));
    return 1;
  }

  let partyMatches: PartyMatch[] | undefined;
  if (parsed.lists.length > 0) {
    const lists = await readListFiles(parsed.lists);
    if (!lists.ok) {
      io.stderr(`${lists.problems.length} ${lists.problems.length === 1 ? "problem" : "problems"} with the list files:`);
      for (const p of lists.problems) io.stderr(formatListProblem(p));
      return 1;
    }
    const index = buildListIndex(lists.content.entries);
    partyMatches = screenNames(index, partiesFromAnswers(ruleSet, read.answers), screeningSettingsOf(ruleSet));
  }
  // Screened: "potential" when anything matched (nobody has resolved it here); not screened: no signal.
  const signals = partyMatches === undefined ? undefined : partyMatches.length > 0 ? { partyMatch: "potential" as const } : {};
  const result = scoreScreening(ruleSet, read.answers, signals);
  const shown = new Set(interviewState(ruleSet, read.answers).pages.flatMap((p) => p.questions.map((q) => q.id)));
  const hidden = Object.keys(read.answers).filter((id) => !shown.has(id));
  if (hidden.length > 0) {
    io.stderr(`note: not shown for these answers, so ignored: ${hidden.join(", ")}`);
  }
  if (result.missing.length > 0) {
    io.stderr(
      `warning: ${result.missing.length} required ${result.missing.length === 1 ? "question is" : "questions are"} unanswered ` +
        `(scored anyway): ${result.missing.map((m) => m.questionId).join(", ")}`,
    );
  }
  if (parsed.json) io.stdout(JSON.stringify(partyMatches === undefined ? result : { ...result, partyMatches }, null, 2));
  else {
    for (const line of renderResult(ruleSet, result)) io.stdout(line);
    if (partyMatches !== undefined) for (const line of renderPartyMatches(partyMatches)) io.stdout(line);
  }
  return 0;
}

export type ReadAnswers = { ok: true; answers: Record<string, AnswerValue> } | { ok: false; problems: RuleProblem[] };

/**
 * Answers from YAML, each checked against its question as the Slack form would check it:
 * a string, a list of strings (multiple choice), a number; yes/no also as true/false; an
 * empty value means unanswered.
 */
export function readAnswers(ruleSet: RuleSet, file: string, text: string): ReadAnswers {
  const parsed = parseYaml(file, text);
  if (!parsed.ok) return { ok: false, problems: parsed.problems };
  const { source, data } = parsed;
  if (data === null || data === undefined) return { ok: true, answers: {} };
  if (!isMapping(data)) {
    return { ok: false, problems: [problemAt(source, [], "expected a mapping of question id → answer")] };
  }
  const questions = questionIndex(ruleSet);
  // A scenario file (test/rules/scenarios) keeps its answers under `answers:`, next to the
  // expectations; score it as it is, unless "answers" is itself a question id.
  const nested = "answers" in data && !questions.has("answers") ? data.answers : undefined;
  const base = isMapping(nested) ? ["answers"] : [];
  const entries = Object.entries(isMapping(nested) ? nested : data);
  const answers: Record<string, AnswerValue> = {};
  const problems: RuleProblem[] = [];
  for (const [id, value] of entries) {
    const at = [...base, id];
    const entry = questions.get(id);
    if (!entry) {
      const near = closest(id, [...questions.keys()]);
      problems.push(problemAt(source, at, `no question with id "${id}"${near ? ` (did you mean "${near}"?)` : ""}`, "key"));
      continue;
    }
    const question = entry.question;
    let raw = toRaw(value, question.type === "yes_no");
    // A country may be written by its code, its name or another name it goes by ("DPRK", "Burma").
    if (question.type === "country" && typeof raw === "string") raw = findCountryCode(ruleSet, raw) ?? raw;
    if (typeof raw === "object" && raw !== null && "error" in raw) {
      problems.push(problemAt(source, at, raw.error));
      continue;
    }
    const checked = checkAnswer(ruleSet, question, raw);
    if (!checked.ok) {
      if (raw === undefined) continue; // unanswered: reported as missing, still scored
      problems.push(problemAt(source, at, explain(ruleSet, question, checked.message, value)));
      continue;
    }
    if (checked.value !== undefined) answers[id] = checked.value;
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, answers };
}

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function toRaw(value: unknown, yesNo: boolean): string | string[] | undefined | { error: string } {
  if (value === null || value === undefined) return undefined;
  if (typeof value === "string") return value;
  if (typeof value === "number") return String(value);
  if (typeof value === "boolean") {
    return yesNo ? (value ? "yes" : "no") : { error: "true/false only answers a yes_no question" };
  }
  if (Array.isArray(value)) {
    const items: string[] = [];
    for (const v of value) {
      if (typeof v === "string") items.push(v);
      else if (typeof v === "number") items.push(String(v));
      else return { error: "expected a list of option values" };
    }
    return items;
  }
  return { error: "expected a string, a list of strings or a number" };
}

/** checkAnswer speaks to a person in a Slack form; here the message names what is allowed instead. */
function explain(ruleSet: RuleSet, question: Question, message: string, value: unknown): string {
  const got = Array.isArray(value) ? "a list" : typeof value === "string" ? JSON.stringify(value) : String(value);
  switch (question.type) {
    case "country":
      return `expected a country in countries.yml, by its code, name or another name it goes by, such as DE, Germany, DPRK or Burma (got ${got})`;
    case "single_choice":
    case "yes_no":
      return `expected one of ${optionsOf(ruleSet, question).map((o) => o.value).join(", ")} (got ${got})`;
    case "multiple_choice":
      return `expected a list of values from ${optionsOf(ruleSet, question).map((o) => o.value).join(", ")} (got ${Array.isArray(value) ? JSON.stringify(value) : got})`;
    default:
      return `${message} (got ${got})`;
  }
}

// ---------------------------------------------------------------------------------------------
// Text output

export function renderResult(ruleSet: RuleSet, result: ScoringResult): string[] {
  const lines: string[] = [];
  const tier = result.tier;
  lines.push(`rules       ${shortVersion(ruleSet.version)} (${ruleSet.label})`);
  const escalation = result.escalate
    ? `escalate, ${result.approvalsRequired} ${result.approvalsRequired === 1 ? "approval" : "approvals"} required`
    : "no escalation";
  lines.push(`tier        ${tier.label} (${tier.id}): ${escalation}`);
  const byScore = result.scoreTier.id !== tier.id ? ` (the score alone reaches ${result.scoreTier.label}; a hard stop raises it)` : "";
  lines.push(`score       ${result.total}${byScore}`);

  lines.push("");
  if (result.hardStops.length === 0) {
    lines.push("hard stops  none");
  } else {
    lines.push("hard stops");
    lines.push(...table(["ID", "REASON", "SOURCE"], result.hardStops.map((h) => [h.id, h.reason, h.source])));
  }

  lines.push("");
  if (result.factors.length === 0) {
    lines.push("factors     none");
  } else {
    lines.push("factors");
    lines.push(
      ...table(
        ["POINTS", "GROUP", "FROM", "ANSWER", "RATIONALE", "SOURCE"],
        result.factors.map((f) => [
          signed(f.points),
          f.group,
          f.kind === "answer" ? (f.questionId ?? "") : `factor ${f.factorId ?? ""}`,
          f.answer ?? "",
          f.rationale ?? "",
          f.source,
        ]),
        [0],
      ),
    );
  }

  lines.push("");
  lines.push("groups");
  lines.push(
    ...table(
      ["POINTS", "GROUP", "KIND", "RAW", "CAPPED"],
      result.groups.map((g) => [signed(g.points), g.id, g.kind, String(g.raw), g.capped ? "yes" : ""]),
      [0, 3],
    ),
  );
  return lines;
}

/** The potential matches of the parties against the lists, best first. */
export function renderPartyMatches(matches: readonly PartyMatch[]): string[] {
  if (matches.length === 0) return ["", "party matches  none"];
  return [
    "",
    "party matches",
    ...table(
      ["SCORE", "FIELD", "OUR NAME", "LISTED NAME", "ENTRY", "LIST"],
      matches.map((m) => [m.score.toFixed(3), m.questionId, m.partyName, m.listedName, m.entryId, m.source]),
      [0],
    ),
  ];
}

function signed(n: number): string {
  return n > 0 ? `+${n}` : String(n);
}

/** Columns padded to their widest cell; `right` lists right-aligned columns; the last is not padded. */
function table(header: string[], rows: string[][], right: number[] = []): string[] {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(...all.map((r) => (r[i] ?? "").length)));
  return all.map(
    (r) =>
      "  " +
      r
        .map((cell, i) => {
          if (i === r.length - 1 && !right.includes(i)) return cell;
          const w = widths[i] ?? 0;
          return right.includes(i) ? cell.padStart(w) : cell.padEnd(w);
        })
        .join("  ")
        .trimEnd(),
  );
}

const entry = process.argv[1];
if (entry !== undefined && import.meta.url === pathToFileURL(resolve(entry)).href) {
  const io: CliIo = { stdout: (l) => process.stdout.write(`${l}\n`), stderr: (l) => process.stderr.write(`${l}\n`) };
  process.exitCode = await scoreCli(process.argv.slice(2), process.env, io);
}
