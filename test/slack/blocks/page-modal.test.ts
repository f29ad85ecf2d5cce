import type { AnyBlock, InputBlock, ModalView } from "@slack/types";
import { describe, expect, it } from "vitest";
import { checkAnswer, interviewState, pageInForce, type PageInForce } from "../../../src/domain/interview.js";
import { CountrySchema, QuestionnaireSchema, type AnswerValue, type RuleSet } from "../../../src/domain/rule-set.js";
import { buildPageModal, countryOptionGroups } from "../../../src/slack/blocks/page-modal.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { parsePageMetadata } from "../../../src/slack/parse/metadata.js";
import { parsePageState } from "../../../src/slack/parse/page-state.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, SCREENING_ID, tinyHighRiskAnswers, untouchedStateValues } from "./fixtures.js";

const isInput = (b: AnyBlock): b is InputBlock => b.type === "input";

function page(ruleSet: RuleSet, answers: Record<string, AnswerValue>, id: string): PageInForce {
  const p = pageInForce(ruleSet, answers, id);
  if (!p) throw new Error(`page ${id} not in force`);
  return p;
}

function build(
  ruleSet: RuleSet,
  pageId: string,
  answers: Record<string, AnswerValue> = {},
  index = 0,
  count = 4,
  isLast = false,
  extra: { shownCount?: number; draft?: Record<string, string | string[] | null> } = {},
): ModalView {
  return buildPageModal({
    ruleSet,
    screening: { id: SCREENING_ID, reference: "DD-2026-0007" },
    page: page(ruleSet, answers, pageId),
    answers,
    position: { index, count },
    isLast,
    ...extra,
  });
}

const progressLine = (view: ModalView) => mrkdwnStrings(view.blocks[0])[0];

function input(view: ModalView, questionId: string): InputBlock {
  const b = view.blocks.filter(isInput).find((x) => x.block_id === BLOCK.question(questionId));
  if (!b) throw new Error(`no input for ${questionId}`);
  return b;
}

/** The tiny rule set with extra questions: long choice lists. */
function withLongLists(): RuleSet {
  const base = tinyRuleSet();
  const opts = (n: number) => Array.from({ length: n }, (_, i) => ({ value: `o${i}`, label: `Option ${i}` }));
  const questionnaire = QuestionnaireSchema.parse({
    ...base.questionnaire,
    pages: [
      ...base.questionnaire.pages,
      {
        id: "lists",
        title: "Lists",
        questions: [
          { id: "six", type: "single_choice", label: "Six", source: "S", options: opts(6) },
          { id: "five", type: "single_choice", label: "Five", source: "S", options: opts(5) },
          { id: "ten", type: "multiple_choice", label: "Ten", source: "S", options: opts(10) },
          { id: "eleven", type: "multiple_choice", label: "Eleven", source: "S", options: opts(11) },
        ],
      },
    ],
  });
  return { ...base, questionnaire };
}

describe("buildPageModal", () => {
  const ruleSet = tinyRuleSet();

  it("is a page modal whose metadata carries only the screening, the page and the step count it shows", () => {
    const view = build(ruleSet, "transaction", {}, 0, 4);
    expect(view.type).toBe("modal");
    expect(view.callback_id).toBe(CALLBACK.page);
    expect(view.private_metadata).toBe(JSON.stringify({ s: SCREENING_ID, p: "transaction", n: 4 }));
    expect(parsePageMetadata(view.private_metadata)).toEqual({ screeningId: SCREENING_ID, pageId: "transaction", stepCount: 4 });
    expect(view.notify_on_close).toBe(true);
    expect(view.title.text).toBe("Transaction");
    expect(view.submit?.text).toBe("Next");
    expect(view.close?.text).toBe("Save & close");
  });

  it("says which step of how many the requester is on, and nothing more when the count did not change", () => {
    const view = build(ruleSet, "end_user_page", {}, 1, 5);
    expect(view.blocks[0]?.type).toBe("context");
    expect(progressLine(view)).toBe("DD-2026-0007 · Step 2 of 5");
    expect(progressLine(build(ruleSet, "end_user_page", {}, 1, 5, false, { shownCount: 5 }))).toBe("DD-2026-0007 · Step 2 of 5");
    expect(JSON.stringify(view)).not.toMatch(/Page \d+ of|saved when you press/);
  });

  it("says in plain words when the answers added or removed steps since the page before", () => {
    const line = (shownCount: number, count: number) => progressLine(build(ruleSet, "end_user_page", {}, 1, count, false, { shownCount }));
    expect(line(4, 6)).toBe("DD-2026-0007 · Step 2 of 6 · Your answers added 2 steps");
    expect(line(4, 5)).toBe("DD-2026-0007 · Step 2 of 5 · Your answers added a step");
    expect(line(5, 4)).toBe("DD-2026-0007 · Step 2 of 4 · Your answers removed a step");
    expect(line(7, 4)).toBe("DD-2026-0007 · Step 2 of 4 · Your answers removed 3 steps");
  });

  it("counts the steps in force for the answers: an answer that opens a page adds a step", () => {
    // a private end user skips "Government use"; intelligence brings it in
    const before = interviewState(ruleSet, { end_user_type: "private" }).pages.length;
    const answers = { end_user_type: "intelligence" };
    const after = interviewState(ruleSet, answers).pages;
    const index = after.findIndex((p) => p.page.id === "government");
    const view = buildPageModal({
      ruleSet,
      screening: { id: SCREENING_ID, reference: "DD-2026-0007" },
      page: page(ruleSet, answers, "government"),
      answers,
      position: { index, count: after.length },
      shownCount: before,
      isLast: false,
    });
    expect(progressLine(view)).toBe(`DD-2026-0007 · Step 3 of ${before + 1} · Your answers added a step`);
  });

  it("offers 'Review answers' on the last page", () => {
    const view = build(ruleSet, "safeguards", {}, 3, 4, true);
    expect(view.submit?.text).toBe("Review answers");
    expect(progressLine(view)).toBe("DD-2026-0007 · Step 4 of 4");
  });

  it("shows no source or citation to the requester: the hint is the question's help, or none", () => {
    const rs = tinyRuleSet();
    const item = rs.questionnaire.pages[0]?.questions.find((q) => q.id === "item");
    if (!item) throw new Error("no item question");
    item.help = "What you are selling, as the contract names it.";
    const view = build(rs, "transaction");
    expect(input(view, "item").hint?.text).toBe("What you are selling, as the contract names it.");
    expect(input(view, "destination").hint).toBeUndefined();
    for (const p of interviewState(rs, tinyHighRiskAnswers()).pages) {
      const text = JSON.stringify(build(rs, p.page.id, tinyHighRiskAnswers()));
      expect(text).not.toContain("Source");
      expect(text).not.toContain("Test source §1");
    }
  });

  it("has one input per question in force, labelled, optional when not required", () => {
    const view = build(ruleSet, "transaction");
    const inputs = view.blocks.filter(isInput);
    expect(inputs.map((b) => b.block_id)).toEqual(["q:item", "q:destination", "q:end_user", "q:value", "q:delivery"]);
    for (const b of inputs) expect(b.element.action_id).toBe(ACTION.answer);
    expect(input(view, "item").label.text).toBe("Item");
    expect(input(view, "item").optional).toBe(false);
    expect(input(view, "value").optional).toBe(true);
  });

  it("picks the element by question type", () => {
    const tx = build(ruleSet, "transaction");
    expect(input(tx, "item").element.type).toBe("radio_buttons");
    expect(input(tx, "destination").element).toMatchObject({ type: "static_select" });
    expect(input(tx, "end_user").element).toMatchObject({ type: "plain_text_input", multiline: false, max_length: 3000 });
    expect(input(tx, "value").element).toMatchObject({ type: "number_input", is_decimal_allowed: true, min_value: "0" });
    expect(input(tx, "delivery").element.type).toBe("datepicker");

    const eu = build(ruleSet, "end_user_page");
    expect(input(eu, "functions").element.type).toBe("checkboxes");

    const gov = build(ruleSet, "government", { end_user_type: "intelligence" });
    const yesNo = input(gov, "reported_misuse").element;
    expect(yesNo.type).toBe("radio_buttons");
    if (yesNo.type !== "radio_buttons") throw new Error("unreachable");
    expect(yesNo.options.map((o) => [o.value, o.text.text])).toEqual([
      ["yes", "Yes"],
      ["no", "No"],
    ]);
    expect(input(gov, "misuse_details").element).toMatchObject({ type: "plain_text_input", multiline: true, max_length: 200 });
  });

  it("switches to select menus for long choice lists", () => {
    const rs = withLongLists();
    const view = build(rs, "lists");
    expect(input(view, "five").element.type).toBe("radio_buttons");
    expect(input(view, "six").element.type).toBe("static_select");
    expect(input(view, "ten").element.type).toBe("checkboxes");
    expect(input(view, "eleven").element.type).toBe("multi_static_select");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("groups ~250 countries by first letter, each group within 100 options", () => {
    const names = [
      ...Array.from({ length: 130 }, (_, i) => `S${String(i).padStart(3, "0")}land`),
      ...Array.from({ length: 120 }, (_, i) => `${String.fromCharCode(65 + (i % 26))}x${i}`),
      "Åland Islands",
      "Côte d'Ivoire",
    ];
    const codes = names.map((_, i) => `${String.fromCharCode(65 + Math.floor(i / 26))}${String.fromCharCode(65 + (i % 26))}`);
    const rs = { ...ruleSet, countries: names.map((name, i) => CountrySchema.parse({ code: codes[i], name })) };
    const groups = countryOptionGroups(rs);
    expect(groups.every((g) => g.options.length <= 100 && g.options.length > 0)).toBe(true);
    expect(groups.length).toBeLessThanOrEqual(100);
    expect(groups.flatMap((g) => g.options.map((o) => o.value)).sort()).toEqual([...codes].sort());
    expect(groups.map((g) => g.label.text)).toContain("S (2)");
    expect(groups.find((g) => g.label.text === "A")?.options.map((o) => o.text.text)).toContain("Åland Islands");
    expect(groups.find((g) => g.label.text === "C")?.options.map((o) => o.text.text)).toContain("Côte d'Ivoire");
    const view = buildPageModal({
      ruleSet: rs,
      screening: { id: SCREENING_ID, reference: "DD-2026-0007" },
      page: page(rs, {}, "transaction"),
      answers: { destination: codes[200] ?? "" },
      position: { index: 0, count: 4 },
      isLast: false,
    });
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("prefills every input with exactly equal option objects, and the values parse back to the same answers", () => {
    const answers: Record<string, AnswerValue> = { ...tinyHighRiskAnswers(INJECTION), value: 1234.5 };
    for (const p of interviewState(ruleSet, answers).pages) {
      const view = build(ruleSet, p.page.id, answers);
      expect(blockKitProblems("modal", view)).toEqual([]);
      const raw = parsePageState(untouchedStateValues(view), p.questions);
      for (const q of p.questions) {
        const check = checkAnswer(ruleSet, q, raw[q.id]);
        expect(check, q.id).toEqual({ ok: true, value: answers[q.id] });
      }
    }
  });

  it("round-trips long choice lists through select menus", () => {
    const rs = withLongLists();
    const answers = { six: "o5", five: "o0", ten: ["o1", "o9"], eleven: ["o0", "o10"] };
    const view = build(rs, "lists", answers);
    expect(blockKitProblems("modal", view)).toEqual([]);
    const p = page(rs, answers, "lists");
    expect(parsePageState(untouchedStateValues(view), p.questions)).toEqual(answers);
  });

  it("leaves inputs empty when there is no answer or it does not fit the question", () => {
    const view = build(ruleSet, "transaction", { item: "not_an_option", destination: 7, end_user: ["x"], value: "abc", delivery: "31/12/2026" });
    const p = page(ruleSet, {}, "transaction");
    expect(parsePageState(untouchedStateValues(view), p.questions)).toEqual({
      item: undefined,
      destination: undefined,
      end_user: undefined,
      value: undefined,
      delivery: undefined,
    });
  });

  it("keeps user text out of mrkdwn", () => {
    const view = build(ruleSet, "transaction", { end_user: INJECTION });
    expect(unexpectedControls(view)).toEqual([]);
    expect(JSON.stringify(mrkdwnStrings(view))).not.toContain("<!channel>");
  });

  it("offers Back from the second page on, without warning that it loses anything", () => {
    expect(build(ruleSet, "transaction", {}, 0).blocks.some((b) => b.block_id === BLOCK.pageNav)).toBe(false);
    const view = build(ruleSet, "end_user_page", {}, 1);
    const nav = view.blocks.find((b) => b.block_id === BLOCK.pageNav);
    expect(nav).toMatchObject({ type: "actions", elements: [{ type: "button", action_id: ACTION.back, value: "end_user_page", text: { text: "Back" } }] });
    expect(JSON.stringify(view)).not.toMatch(/does not save|is lost/);
  });

  it("prefills a draft exactly as it was typed, over the saved answers, and empties what was cleared", () => {
    const answers = { item: "spyware", destination: "DE", end_user: "Saved name", value: 10, delivery: "2026-12-31" };
    const draft = { end_user: "Acme\u200B Ltd (unfinished", value: "250000", item: null };
    const view = build(ruleSet, "transaction", answers, 0, 4, false, { draft });
    expect(blockKitProblems("modal", view)).toEqual([]);
    const raw = parsePageState(untouchedStateValues(view), page(ruleSet, answers, "transaction").questions);
    expect(raw).toEqual({ item: undefined, destination: "DE", end_user: "Acme\u200B Ltd (unfinished", value: "250000", delivery: "2026-12-31" });
    // what the draft does not mention comes from the answers; without a draft, the answers
    expect(input(build(ruleSet, "transaction", answers), "end_user").element).toMatchObject({ initial_value: "Saved name" });
  });

  it("escapes an intro and fits every tiny page within Block Kit limits", () => {
    const rs = tinyRuleSet();
    const first = rs.questionnaire.pages[0];
    if (!first) throw new Error("no page");
    first.intro = "Values < 5 & > 2 <!here>";
    const view = build(rs, "transaction");
    expect(mrkdwnStrings(view)).toContain("Values &lt; 5 &amp; &gt; 2 &lt;!here&gt;");
    for (const [i, p] of interviewState(rs, tinyHighRiskAnswers()).pages.entries()) {
      expect(blockKitProblems("modal", build(rs, p.page.id, tinyHighRiskAnswers(), i, 4, i === 3))).toEqual([]);
    }
  });
});
