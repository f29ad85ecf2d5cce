// A parsed YAML file that remembers where each node came from, so a problem found in the parsed
// data (by zod or by a cross-reference check) can be reported at the line and column of the
// node that causes it.
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Document, type Node } from "yaml";
import { formatKey, type PathSegment, type RuleProblem } from "./problems.js";

export interface Position {
  line: number;
  column: number;
}

export interface YamlSource {
  file: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

export type ParsedYaml = { ok: true; source: YamlSource; data: unknown } | { ok: false; problems: RuleProblem[] };

export function parseYaml(file: string, text: string): ParsedYaml {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    // After the first syntax error the parser's further errors are mostly its consequences;
    // duplicate keys are independent of each other, so all of those are kept.
    const reported = doc.errors.filter((e, i) => i === 0 || e.code === "DUPLICATE_KEY");
    return {
      ok: false,
      problems: reported.map((e) => {
        const pos = positionOf(lines, e.pos[0]);
        const message =
          e.code === "DUPLICATE_KEY"
            ? `duplicate key ${keyAt(text, e.pos[0])}; each key may appear once in a mapping`
            : `YAML syntax: ${yamlMessage(e.message)}`;
        return { file, line: pos.line, column: pos.column, key: "", message };
      }),
    };
  }
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 1000 });
  } catch (e) {
    // Syntax can be fine and resolving still fail: an alias to an anchor never set, or aliases
    // that would expand without bound. Reported like any other problem, at the first alias.
    const pos = positionOf(lines, firstAliasOffset(doc));
    return { ok: false, problems: [{ file, line: pos.line, column: pos.column, key: "", message: `YAML aliases: ${yamlMessage(e instanceof Error ? e.message : String(e))}` }] };
  }
  return { ok: true, source: { file, doc, lines }, data };
}

function firstAliasOffset(doc: Document.Parsed): number {
  let offset = 0;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  return offset;
}

/** The key written at `offset`, for a duplicate-key message (the parser points at its first character). */
function keyAt(text: string, offset: number): string {
  const rest = text.slice(offset, text.indexOf("\n", offset) === -1 ? undefined : text.indexOf("\n", offset));
  const m = /^("(?:[^"\\]|\\.)*"|'[^']*'|[^:#]+?)\s*:/.exec(rest);
  const key = m?.[1] ?? rest.trim();
  return key.startsWith('"') || key.startsWith("'") ? key : JSON.stringify(key);
}

/** The yaml package appends " at line L, column C" to some messages; we print the position ourselves. */
function yamlMessage(message: string): string {
  return message.replace(/ at line \d+, column \d+:?[\s\S]*$/, "").trim();
}

function positionOf(lines: LineCounter, offset: number): Position {
  const { line, col } = lines.linePos(offset);
  return { line: Math.max(1, line), column: Math.max(1, col) };
}

/**
 * Where the node at `path` is. `target: "key"` points at a mapping key instead of its value (for
 * unknown keys and record keys). A path that does not exist (a missing key) resolves to the
 * deepest node that does: the mapping the key is missing from.
 */
export function locate(source: YamlSource, path: readonly PathSegment[], target: "value" | "key" = "value"): Position {
  const { doc, lines } = source;
  let node: unknown = doc.contents;
  let keyNode: unknown;
  let last: { node: unknown; key: unknown } = { node, key: undefined };
  for (const seg of path) {
    node = resolve(doc, node);
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && keyString(p.key) === String(seg));
      if (!pair) break;
      keyNode = pair.key;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === "number") {
      const item = node.items[seg];
      if (item === undefined) break;
      keyNode = undefined;
      node = item;
    } else {
      break;
    }
    last = { node, key: keyNode };
  }
  const valueIsEmpty = last.node === null || (isScalar(last.node) && last.node.value === null && !last.node.source);
  const chosen = target === "key" || valueIsEmpty ? (last.key ?? last.node) : last.node;
  const offset = rangeStart(chosen);
  if (offset === undefined) return { line: 1, column: 1 };
  return positionOf(lines, offset);
}

export function problemAt(
  source: YamlSource,
  path: readonly PathSegment[],
  message: string,
  target: "value" | "key" = "value",
): RuleProblem {
  const pos = locate(source, path, target);
  return { file: source.file, line: pos.line, column: pos.column, key: formatKey(path), message };
}

/** The 1-based line of a node, for "first defined at line 12". */
export function lineOf(source: YamlSource, path: readonly PathSegment[]): number {
  return locate(source, path).line;
}

function resolve(doc: Document.Parsed, node: unknown): unknown {
  return isAlias(node) ? node.resolve(doc) : node;
}

function keyString(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  if (typeof key === "string" || typeof key === "number") return String(key);
  return undefined;
}

function rangeStart(node: unknown): number | undefined {
  if (isNode(node)) return node.range?.[0];
  return undefined;
}

function isNode(node: unknown): node is Node {
  return isScalar(node) || isMap(node) || isSeq(node) || isAlias(node);
}
