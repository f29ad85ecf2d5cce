// Property-based (fast-check): random and truncated YAML fed to the rule-set and answer-file
// parsers, random and truncated Slack payloads fed to the payload parsers and to the real HTTP
// app. Every input gets a clean answer: a value of the promised shape, or problems with file,
// line, column and words; never a throw, never a 500, never a stack trace, nothing stored.
// The seed is fixed so a run is reproducible; FC_SEED=<n> explores other inputs.
import fc from "fast-check";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAnswers } from "../../src/cli/score.js";
import type { RuleSet } from "../../src/domain/rule-set.js";
import { checkRuleSetFiles, loadRuleSet, RULE_FILES, type RuleSetLoad } from "../../src/rules/load.js";
import { parseYaml } from "../../src/rules/yaml-source.js";
import { viewSubmissionPayload, blockActionsPayload, slashCommandBody } from "../../src/sandbox/slack-requests.js";
import { signSlackRequest } from "../../src/sandbox/signing.js";
import { ACTION, BLOCK, CALLBACK } from "../../src/slack/ids.js";
import { parseDecisionState } from "../../src/slack/parse/decision-state.js";
import { isWellFormedRequest } from "../../src/slack/parse/envelope.js";
import { parseDecisionMetadata, parsePageMetadata, parseReviewMetadata } from "../../src/slack/parse/metadata.js";
import { parsePageState } from "../../src/slack/parse/page-state.js";
import { elementState } from "../../src/slack/parse/state.js";
import type { E2E } from "../e2e/support/harness.js";
import { VALID_DIR, validTexts } from "../rules/fixtures/rule-dirs.js";
import { low } from "./support/flows.js";
import { REPO } from "./support/bot-process.js";
import { SIGNING_SECRET, printFigures, startSingle } from "./support/instances.js";

const SEED = Number(process.env.FC_SEED ?? 20261128);
const figures = { yamlInputs: 0, yamlRejectedCleanly: 0, payloadInputs: 0, httpRequests: 0, throws: 0, serverErrors: 0 };

let shipped: RuleSet;
let fixture: Record<string, string>;
let shippedTexts: Record<string, string>;

beforeAll(async () => {
  const loaded = await loadRuleSet(join(REPO, "rules"));
  if (!loaded.ok) throw new Error("the shipped rules must load");
  shipped = loaded.ruleSet;
  fixture = await validTexts();
  shippedTexts = {};
  for (const name of Object.values(RULE_FILES)) {
    const text = await readFile(join(REPO, "rules", name), "utf8").catch(() => undefined);
    if (text !== undefined) shippedTexts[name] = text;
  }
});
afterAll(() => {
  printFigures(`parsers, property-based (seed ${SEED})`, figures);
});

/** A load result is clean: a rule set, or problems that each say where and what. */
function expectClean(result: RuleSetLoad): void {
  figures.yamlInputs++;
  if (result.ok) return;
  figures.yamlRejectedCleanly++;
  expect(result.problems.length).toBeGreaterThan(0);
  for (const p of result.problems) {
    expect(typeof p.file).toBe("string");
    // line and column 0 say the problem is the whole file (missing, unexpected)
    expect(p.line).toBeGreaterThanOrEqual(0);
    expect(p.column).toBeGreaterThanOrEqual(p.line === 0 ? 0 : 1);
    expect(p.message.trim().length).toBeGreaterThan(0);
    expect(p.message).not.toMatch(/\n\s+at |TypeError|undefined is not/);
  }
}

function noThrow<T>(f: () => T): T {
  try {
    return f();
  } catch (err) {
    figures.throws++;
    throw err;
  }
}

/** Edits a text the way a broken file or a bad paste would. */
const textEdit = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), text: fc.oneof(fc.string({ maxLength: 40 }), fc.constantFrom(":", "- ", "\t", "  ", "{", "[", "&a", "*a", "!!binary", "? ", "---", "...", "\u0000", "\uFEFF", "\"", "'", "%YAML 9.9")) }),
  fc.record({ kind: fc.constant("swapLines" as const), at: fc.nat(), other: fc.nat() }),
);
type TextEdit = typeof textEdit extends fc.Arbitrary<infer T> ? T : never;

function applyEdit(text: string, edit: TextEdit): string {
  const at = text.length === 0 ? 0 : edit.at % (text.length + 1);
  switch (edit.kind) {
    case "truncate":
      return text.slice(0, at);
    case "delete":
      return text.slice(0, at) + text.slice(at + edit.length);
    case "insert":
      return text.slice(0, at) + edit.text + text.slice(at);
    case "swapLines": {
      const lines = text.split("\n");
      const i = edit.at % lines.length;
      const j = edit.other % lines.length;
      [lines[i], lines[j]] = [lines[j] ?? "", lines[i] ?? ""];
      return lines.join("\n");
    }
  }
}

describe("YAML", () => {
  it("any edit of a valid rule set (truncated, cut, spliced, lines swapped) is loaded or rejected with located problems", () => {
    const names = Object.keys(fixture);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.array(textEdit, { minLength: 1, maxLength: 4 }), (name, edits) => {
        const broken = edits.reduce((t, e) => applyEdit(t, e), fixture[name] ?? "");
        expectClean(noThrow(() => checkRuleSetFiles(VALID_DIR, { ...fixture, [name]: broken })));
      }),
      { seed: SEED, numRuns: 250 },
    );
  });

  it("the shipped rule set truncated anywhere is rejected with located problems", () => {
    const names = Object.keys(shippedTexts);
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.double({ min: 0, max: 0.999, noNaN: true }), (name, fraction) => {
        const text = shippedTexts[name] ?? "";
        const cut = text.slice(0, Math.floor(text.length * fraction));
        expectClean(noThrow(() => checkRuleSetFiles(join(REPO, "rules"), { ...shippedTexts, [name]: cut })));
      }),
      { seed: SEED, numRuns: 25 },
    );
  });

  it("random text, random YAML-ish text and random JSON values as any rule file never throw", () => {
    const yamlish = fc.array(fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom("pages:", "  - id: x", "questions:", "tiers:", "- ", ": ", "\n", "  ", "&x", "*x", "<<: *x", "{a: [", "]}", "|", ">-")), { maxLength: 30 }).map((parts) => parts.join(""));
    const anyText = fc.oneof(fc.string({ maxLength: 300 }), fc.string({ unit: "binary", maxLength: 200 }), yamlish, fc.jsonValue().map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(fixture), "extra.yml"), anyText, (name, text) => {
        expectClean(noThrow(() => checkRuleSetFiles(VALID_DIR, { ...fixture, [name]: text })));
        const parsed = noThrow(() => parseYaml(name, text));
        if (!parsed.ok) for (const p of parsed.problems) expect(p.line).toBeGreaterThanOrEqual(0);
      }),
      { seed: SEED, numRuns: 300 },
    );
  });

  it("an answers file for `npm run score`, random or truncated, is read or refused with located problems", () => {
    const valid = Object.entries(low.answers)
      .map(([k, v]) => `${k}: ${JSON.stringify(v)}`)
      .join("\n");
    fc.assert(
      fc.property(fc.oneof(fc.array(textEdit, { minLength: 1, maxLength: 3 }).map((edits) => edits.reduce((t, e) => applyEdit(t, e), valid)), fc.string({ maxLength: 200 })), (text) => {
        figures.yamlInputs++;
        const result = noThrow(() => readAnswers(shipped, "answers.yml", text));
        if (!result.ok) {
          figures.yamlRejectedCleanly++;
          for (const p of result.problems) {
            expect(p.line).toBeGreaterThanOrEqual(0);
            expect(p.message.length).toBeGreaterThan(0);
          }
        }
      }),
      { seed: SEED, numRuns: 200 },
    );
  });
});

/** A real page submission, as JSON text, to truncate and mutate. */
function pagePayload(): Record<string, unknown> {
  const first = shipped.questionnaire.pages[0]!;
  const values: Record<string, unknown> = {};
  for (const q of first.questions) values[BLOCK.question(q.id)] = { [ACTION.answer]: { type: "plain_text_input", value: "x" } };
  return viewSubmissionPayload({
    user: "UFUZZ",
    view: { id: "V0FUZZ00001", callback_id: CALLBACK.page, private_metadata: JSON.stringify({ s: "7d0c3f3e-1111-4222-8333-944455556666", p: first.id }), hash: "1.abc", state: { values } },
  });
}

/** Replaces the value at a random path of a JSON value. */
function mutateAt(value: unknown, path: number[], replacement: unknown): unknown {
  if (path.length === 0 || value === null || typeof value !== "object") return replacement;
  const [head = 0, ...rest] = path;
  if (Array.isArray(value)) {
    if (value.length === 0) return replacement;
    const i = head % value.length;
    return value.map((v, k) => (k === i ? mutateAt(v, rest, replacement) : v));
  }
  const keys = Object.keys(value);
  if (keys.length === 0) return replacement;
  const key = keys[head % keys.length]!;
  return { ...value, [key]: mutateAt(Reflect.get(value, key), rest, replacement) };
}

describe("Slack payloads", () => {
  const questions = () => shipped.questionnaire.pages.flatMap((p) => p.questions);

  it("the metadata, state and envelope parsers return a well-shaped value or nothing for anything at all", () => {
    const anyInput = fc.oneof(fc.anything(), fc.jsonValue(), fc.string(), fc.jsonValue().map((v) => JSON.stringify(v)));
    fc.assert(
      fc.property(anyInput, (input) => {
        figures.payloadInputs++;
        const page = noThrow(() => parsePageMetadata(input));
        if (page) expect(page.screeningId).toMatch(/^[0-9a-f-]{36}$/i);
        const review = noThrow(() => parseReviewMetadata(input));
        if (review) expect(review.screeningId).toMatch(/^[0-9a-f-]{36}$/i);
        const decision = noThrow(() => parseDecisionMetadata(input));
        if (decision) expect(["approve", "approve_with_conditions", "reject", "request_info"]).toContain(decision.outcome);
        const raw = noThrow(() => parsePageState(input, questions()));
        for (const v of Object.values(raw)) expect(v === undefined || typeof v === "string" || (Array.isArray(v) && v.every((s) => typeof s === "string"))).toBe(true);
        const state = noThrow(() => parseDecisionState(input));
        expect(Array.isArray(state.conditions)).toBe(true);
        noThrow(() => elementState(input, "b", "a"));
        expect(typeof noThrow(() => isWellFormedRequest(input))).toBe("boolean");
      }),
      { seed: SEED, numRuns: 1000 },
    );
  });

  it("a real page submission truncated or with any field replaced is parsed cleanly", () => {
    const base = pagePayload();
    const text = JSON.stringify(base);
    fc.assert(
      fc.property(fc.nat(), fc.array(fc.nat(), { maxLength: 6 }), fc.jsonValue(), (cut, path, replacement) => {
        figures.payloadInputs += 2;
        const truncated = text.slice(0, cut % (text.length + 1));
        noThrow(() => parsePageMetadata(truncated));
        const mutated = mutateAt(base, path, replacement);
        noThrow(() => isWellFormedRequest(mutated));
        const view = mutated && typeof mutated === "object" ? Reflect.get(mutated, "view") : undefined;
        const values = view && typeof view === "object" ? Reflect.get(Reflect.get(view, "state") ?? {}, "values") : undefined;
        noThrow(() => parsePageState(values, questions()));
        noThrow(() => parsePageMetadata(view && typeof view === "object" ? Reflect.get(view, "private_metadata") : undefined));
      }),
      { seed: SEED, numRuns: 500 },
    );
  });
});

describe("the HTTP app", () => {
  let e2e: E2E;
  beforeAll(async () => {
    e2e = await startSingle();
  }, 60_000);
  afterAll(async () => {
    await e2e?.close();
  });

  it("answers random, truncated and mutated signed payloads cleanly and stores nothing", async () => {
    const page = pagePayload();
    // a decision click on an escalation that does not exist: whatever survives a mutation, nothing can be created
    const action = blockActionsPayload({
      user: "UFUZZ",
      actions: [{ action_id: ACTION.decide.approve, block_id: "actions", value: "7d0c3f3e-1111-4222-8333-944455556666", type: "button" }],
      container: "message",
      channel: "C0COMPLIANCE",
      message: { ts: "1767225600.000100" },
      responseUrl: e2e.api.responseUrl(),
    });
    const command = slashCommandBody({ command: "/screening", text: "status DD-2026-0001", userId: "UFUZZ", responseUrl: e2e.api.responseUrl() });
    const before = { screenings: await e2e.db.prisma.screening.count(), answers: await e2e.db.prisma.answer.count(), decisions: await e2e.db.prisma.decision.count() };
    const body = fc.oneof(
      // a real interaction payload with any one field replaced (ids stay forged, so nothing can be saved)
      fc.tuple(fc.constantFrom(page, action), fc.array(fc.nat(), { maxLength: 5 }), fc.jsonValue()).map(([p, path, v]) => new URLSearchParams({ payload: JSON.stringify(mutateAt(p, path, v)) }).toString()),
      // a real payload cut anywhere
      fc.tuple(fc.constantFrom(page, action), fc.nat()).map(([p, cut]) => {
        const t = JSON.stringify(p);
        return new URLSearchParams({ payload: t.slice(0, cut % (t.length + 1)) }).toString();
      }),
      // a slash command cut anywhere
      fc.nat().map((cut) => command.slice(0, cut % (command.length + 1))),
      // anything at all
      fc.string({ maxLength: 500 }),
      fc.jsonValue().map((v) => JSON.stringify(v)),
    );
    const contentType = fc.constantFrom("application/x-www-form-urlencoded", "application/json", "text/plain");
    await fc.assert(
      fc.asyncProperty(body, contentType, async (b, type) => {
        figures.httpRequests++;
        const res = await fetch(`${e2e.baseUrl}/slack/events`, { method: "POST", headers: { "content-type": type, ...signSlackRequest(SIGNING_SECRET, b) }, body: b });
        const text = await res.text();
        if (res.status >= 500) figures.serverErrors++;
        expect(res.status).toBeLessThan(500);
        expect(text).not.toMatch(/\n\s+at |TypeError|node_modules/);
      }),
      { seed: SEED, numRuns: 120 },
    );
    expect({ screenings: await e2e.db.prisma.screening.count(), answers: await e2e.db.prisma.answer.count(), decisions: await e2e.db.prisma.decision.count() }).toEqual(before);
    expect(figures.serverErrors).toBe(0);
    expect(figures.throws).toBe(0);
  }, 60_000);
});
