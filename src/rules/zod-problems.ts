// Zod issues → problems a rule author can act on. Zod 4's messages are terse ("Invalid input");
// these say what is expected at that place, name the allowed keys, and show what was found.
import { z } from "zod";
import { closest, describeKind, showValue, type PathSegment, type RuleProblem } from "./problems.js";
import { problemAt, type YamlSource } from "./yaml-source.js";

type Issue = z.core.$ZodIssue;

export function schemaProblems(source: YamlSource, schema: z.ZodType, data: unknown, issues: readonly Issue[]): RuleProblem[] {
  const out: RuleProblem[] = [];
  for (const issue of issues) convert(issue, [], schema, { source, data, out });
  return out;
}

interface Ctx {
  source: YamlSource;
  data: unknown;
  out: RuleProblem[];
}

function convert(issue: Issue, base: PathSegment[], baseSchema: unknown, ctx: Ctx): void {
  const path = [...base, ...issue.path.map(toSegment)];
  const value = valueAt(ctx.data, path);
  const report = (message: string, at: PathSegment[] = path, target: "value" | "key" = "value") =>
    ctx.out.push(problemAt(ctx.source, at, message, target));

  switch (issue.code) {
    case "invalid_type": {
      const parentPath = path.slice(0, -1);
      const parent = valueAt(ctx.data, parentPath);
      const last = path[path.length - 1];
      if (value === undefined && typeof last === "string" && isPlainObject(parent) && !(last in parent)) {
        // "titel" given, "title" missing: the unknown-key problem already says "did you mean".
        const allowed = objectKeys(schemaAt(baseSchema, issue.path.slice(0, -1).map(toSegment), valueAt(ctx.data, base))) ?? [];
        const misspelt = Object.keys(parent).some((k) => !allowed.includes(k) && closest(k, allowed) === last);
        if (!misspelt) report(`missing required key "${last}" (expected ${expectedKind(issue.expected)})`);
      } else if (issue.expected === "int" && typeof value === "number") {
        report(`expected a whole number, got ${value}`);
      } else {
        report(`expected ${expectedKind(issue.expected)}, got ${describeKind(value)}`);
      }
      return;
    }
    case "unrecognized_keys": {
      const allowed = objectKeys(schemaAt(baseSchema, issue.path.map(toSegment), valueAt(ctx.data, base)));
      for (const key of issue.keys) {
        const hint = allowed ? `; expected one of ${allowed.join(", ")}${didYouMean(key, allowed)}` : "";
        report(`unknown key "${key}"${hint}`, [...path, key], "key");
      }
      return;
    }
    case "invalid_value":
      report(`expected one of ${issue.values.map((v) => String(v)).join(", ")} (got ${showValue(value)})`);
      return;
    case "too_small":
    case "too_big": {
      report(sizeMessage(issue, value));
      return;
    }
    case "invalid_format": {
      const expected = isDefaultMessage(issue.message) ? `a ${issue.format}` : issue.message;
      report(`expected ${expected} (got ${showValue(value)})`);
      return;
    }
    case "not_multiple_of":
      report(`expected a multiple of ${String(issue.divisor)} (got ${showValue(value)})`);
      return;
    case "invalid_key": {
      const inner = issue.issues[0];
      const expected = inner && !isDefaultMessage(inner.message) ? inner.message : "a valid key";
      const key = path[path.length - 1];
      report(`expected a key that is ${expected} (got ${showValue(key)})`, path, "key");
      return;
    }
    case "invalid_union": {
      const union = schemaAt(baseSchema, issue.path.map(toSegment), valueAt(ctx.data, base), false);
      const branches = union instanceof z.ZodUnion ? [...union.options] : [];
      const chosen = chooseBranch(issue.errors, value);
      if (chosen !== undefined && branches[chosen] !== undefined) {
        for (const inner of issue.errors[chosen] ?? []) convert(inner, path, branches[chosen], ctx);
        return;
      }
      report(unionMessage(branches, value));
      return;
    }
    case "invalid_element":
    case "custom":
    default:
      report(issue.message);
  }
}

function toSegment(seg: PropertyKey): PathSegment {
  return typeof seg === "number" ? seg : String(seg);
}

export function valueAt(data: unknown, path: readonly PathSegment[]): unknown {
  let v = data;
  for (const seg of path) {
    if (Array.isArray(v) && typeof seg === "number") v = v[seg];
    else if (isPlainObject(v)) v = v[String(seg)];
    else return undefined;
  }
  return v;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function expectedKind(expected: string): string {
  switch (expected) {
    case "string":
      return "a string";
    case "number":
      return "a number";
    case "int":
      return "a whole number";
    case "boolean":
      return "true or false";
    case "array":
      return "a list";
    case "object":
    case "record":
      return "a mapping";
    default:
      return expected;
  }
}

function isDefaultMessage(message: string): boolean {
  return /^(Invalid|Too (small|big))/.test(message);
}

function sizeMessage(issue: Extract<Issue, { code: "too_small" | "too_big" }>, value: unknown): string {
  const small = issue.code === "too_small";
  const bound = Number(small ? issue.minimum : issue.maximum);
  const word = small ? (issue.inclusive ? "at least" : "more than") : issue.inclusive ? "at most" : "less than";
  switch (issue.origin) {
    case "string": {
      const length = typeof value === "string" ? value.trim().length : 0;
      if (small && bound === 1) return "expected some text, got an empty string";
      return `expected ${word} ${bound} characters (got ${length})`;
    }
    case "array": {
      const length = Array.isArray(value) ? value.length : 0;
      return `expected ${word} ${bound} ${bound === 1 ? "item" : "items"} (got ${length === 0 ? "none" : length})`;
    }
    default:
      return `expected ${word} ${bound} (got ${showValue(value)})`;
  }
}

/**
 * Which branch of a union the author meant: the one whose required keys are all present and
 * whose shape the value matches (others report a missing key or a wrong type at the top).
 * Among several, the one with the fewest unknown keys, then the fewest issues.
 */
function chooseBranch(errors: readonly (readonly Issue[])[], value: unknown): number | undefined {
  let best: { index: number; unknown: number; count: number } | undefined;
  errors.forEach((issues, index) => {
    const misfit = issues.some(
      (i) =>
        (i.path.length === 0 && (i.code === "invalid_type" || i.code === "invalid_union")) ||
        (i.path.length === 1 && i.code === "invalid_type" && isPlainObject(value) && !(String(i.path[0]) in value)) ||
        (i.path.length === 1 && i.code === "invalid_union" && isPlainObject(value) && !(String(i.path[0]) in value)),
    );
    if (misfit) return;
    const unknown = issues.reduce((n, i) => n + (i.code === "unrecognized_keys" && i.path.length === 0 ? i.keys.length : 0), 0);
    if (!best || unknown < best.unknown || (unknown === best.unknown && issues.length < best.count)) {
      best = { index, unknown, count: issues.length };
    }
  });
  return best?.index;
}

function unionMessage(branches: readonly unknown[], value: unknown): string {
  const objects = branches.map((b) => objectKeys(unwrap(b)));
  if (branches.length > 0 && objects.every((k) => k !== undefined)) {
    const leads = objects.map((k) => k?.[0]).filter((k): k is string => k !== undefined);
    const got = !isPlainObject(value) ? describeKind(value) : Object.keys(value).length === 0 ? "an empty mapping" : `the keys ${Object.keys(value).join(", ")}`;
    return `expected a mapping with one of the keys ${leads.join(", ")} (got ${got})`;
  }
  const kinds = [...new Set(branches.map((b) => kindOf(unwrap(b))))];
  const list = kinds.length > 1 ? `${kinds.slice(0, -1).join(", ")} or ${kinds[kinds.length - 1]}` : (kinds[0] ?? "another value");
  return `expected ${list}, got ${describeKind(value)}`;
}

function kindOf(schema: unknown): string {
  if (schema instanceof z.ZodString) return "a string";
  if (schema instanceof z.ZodNumber) return "a number";
  if (schema instanceof z.ZodBoolean) return "true/false";
  if (schema instanceof z.ZodArray) return "a list";
  if (schema instanceof z.ZodObject || schema instanceof z.ZodRecord) return "a mapping";
  return "another value";
}

function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    if (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable || s instanceof z.ZodLazy) {
      s = s.unwrap();
    } else if (s instanceof z.ZodPipe) {
      s = s.in;
    } else {
      return s;
    }
  }
  return s;
}

/** The schema at `path` below `schema`; unions are resolved by the keys the data has. */
function schemaAt(schema: unknown, path: readonly PathSegment[], data: unknown, pickBranch = true): unknown {
  let s = unwrap(schema);
  let v = data;
  for (const seg of path) {
    s = pickUnionBranch(s, v);
    if (s instanceof z.ZodObject) s = s.shape[String(seg)];
    else if (s instanceof z.ZodArray) s = s.element;
    else if (s instanceof z.ZodRecord) s = s.valueType;
    else return undefined;
    s = unwrap(s);
    v = valueAt(v, [seg]);
  }
  return pickBranch ? pickUnionBranch(s, v) : s;
}

function pickUnionBranch(schema: unknown, value: unknown): unknown {
  if (!(schema instanceof z.ZodUnion)) return schema;
  const keys = isPlainObject(value) ? Object.keys(value) : [];
  let best: { schema: unknown; score: number } | undefined;
  for (const option of schema.options) {
    const allowed = objectKeys(unwrap(option));
    if (!allowed) continue;
    const score = keys.filter((k) => allowed.includes(k)).length;
    if (!best || score > best.score) best = { schema: unwrap(option), score };
  }
  return best?.schema ?? schema;
}

/** The keys a file's top-level mapping may have, for messages about an empty file. */
export function topLevelKeys(schema: unknown): string[] | undefined {
  return objectKeys(schema);
}

function objectKeys(schema: unknown): string[] | undefined {
  const s = unwrap(schema);
  return s instanceof z.ZodObject ? Object.keys(s.shape) : undefined;
}

function didYouMean(key: string, allowed: readonly string[]): string {
  const near = closest(key, allowed);
  return near ? ` (did you mean "${near}"?)` : "";
}
