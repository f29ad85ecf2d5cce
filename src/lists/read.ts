// Reading the operator's list files (SCREENING_LISTS) into one list set: every file parsed,
// every problem of every file reported, and nothing returned unless all of them are sound.
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import type { ListEntry, ListFileInfo } from "../domain/party-matching.js";
import { parseListFile } from "./csl.js";
import { sortListProblems, type ListProblem } from "./problems.js";

/** What a set of list files holds, before it is saved. */
export interface ListSetContent {
  /** sha256 over the files' sha256s, sorted: the same files give the same set, in any order */
  contentHash: string;
  files: ListFileInfo[];
  /** entries per list (`source`) */
  entryCounts: Record<string, number>;
  entries: ListEntry[];
}

export type ListFilesRead = { ok: true; content: ListSetContent } | { ok: false; problems: ListProblem[] };

/** The content hash of files, from their bytes alone: cheap enough to check at every start. */
export async function hashListFiles(paths: readonly string[]): Promise<{ ok: true; contentHash: string; hashes: string[] } | { ok: false; problems: ListProblem[] }> {
  const texts = await readAll(paths);
  if (!texts.ok) return texts;
  const hashes = texts.files.map((f) => sha256(f.bytes));
  return { ok: true, contentHash: combinedHash(hashes), hashes };
}

export async function readListFiles(paths: readonly string[]): Promise<ListFilesRead> {
  if (paths.length === 0) return { ok: false, problems: [{ file: "SCREENING_LISTS", message: "no list files given" }] };
  const read = await readAll(paths);
  if (!read.ok) return read;
  const problems: ListProblem[] = [];
  const files: ListFileInfo[] = [];
  const entries: ListEntry[] = [];
  // An entry may be in two files (the CSV and the JSON of the same download): once is enough,
  // but the same id with other content is a mistake.
  const seen = new Map<string, { entry: ListEntry; file: string; line: number }>();
  for (const { path, bytes } of read.files) {
    const parsed = parseListFile(path, bytes.toString("utf8"));
    if (!parsed.ok) {
      problems.push(...parsed.problems);
      continue;
    }
    files.push({ name: basename(path), sha256: sha256(bytes), entries: parsed.entries.length });
    parsed.entries.forEach((entry, i) => {
      const line = parsed.lines[i] ?? 1;
      const before = seen.get(entry.id);
      if (before === undefined) {
        seen.set(entry.id, { entry, file: path, line });
        entries.push(entry);
      } else if (before.entry.hash !== entry.hash) {
        problems.push({ file: path, line, message: `entry id ${entry.id} is also at ${before.file}:${before.line}, with other content` });
      }
    });
  }
  if (problems.length > 0) return { ok: false, problems: sortListProblems(problems, paths) };
  const entryCounts: Record<string, number> = {};
  for (const e of entries) entryCounts[e.source] = (entryCounts[e.source] ?? 0) + 1;
  return { ok: true, content: { contentHash: combinedHash(files.map((f) => f.sha256)), files, entryCounts, entries } };
}

async function readAll(paths: readonly string[]): Promise<{ ok: true; files: { path: string; bytes: Buffer }[] } | { ok: false; problems: ListProblem[] }> {
  const problems: ListProblem[] = [];
  const files: { path: string; bytes: Buffer }[] = [];
  for (const path of paths) {
    try {
      files.push({ path, bytes: await readFile(path) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      problems.push({ file: path, message: code === "ENOENT" ? "no such file" : code === "EISDIR" ? "is a folder, not a list file" : `cannot read it (${code ?? String(err)})` });
    }
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, files };
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function combinedHash(fileHashes: readonly string[]): string {
  return sha256([...fileHashes].sort().join("\n"));
}
