// A problem with a list file, and how it is printed: `file:line: what is wrong`.

export interface ListProblem {
  file: string;
  /** 1-based; absent for the whole file (missing, unreadable, wrong kind) */
  line?: number | undefined;
  message: string;
}

export function formatListProblem(p: ListProblem): string {
  return p.line === undefined ? `${p.file}: ${p.message}` : `${p.file}:${p.line}: ${p.message}`;
}

/** Sorted by file (in the order given), then line. */
export function sortListProblems(problems: readonly ListProblem[], files: readonly string[]): ListProblem[] {
  const order = (f: string) => {
    const i = files.indexOf(f);
    return i < 0 ? files.length : i;
  };
  return [...problems].sort((a, b) => order(a.file) - order(b.file) || (a.line ?? 0) - (b.line ?? 0));
}
