// How the interview modal behaves between pages, end to end through the real HTTP app: the
// progress line, no sources in the requester's form, Back keeping what was typed, and closing the
// modal keeping it too (with a DM saying so) until /screening resume shows it again.
// Question ids come from the views themselves and the scenario file, never from the rules.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ACTION, CALLBACK } from "../../src/slack/ids.js";
import { fillState, type StateValues } from "./support/fill.js";
import { startE2E, type E2E, type Person, type ViewJson } from "./support/harness.js";
import { scenario } from "./support/scenarios.js";

let e2e: E2E;
beforeAll(async () => {
  e2e = await startE2E();
}, 60_000);
afterAll(async () => {
  await e2e?.close();
});

const low = scenario("low_thermal_camera_private_factory");

/** Typed into a free-text answer: unfinished, with a zero-width space pasted in, so the bot's checks refuse it. */
const INVALID_TEXT = "Example Chemie\u200B Produktions (unfinish";

interface InputInfo {
  blockId: string;
  actionId: string;
  type: string;
  optional: boolean;
  element: Record<string, unknown>;
}

function inputsOf(view: ViewJson): InputInfo[] {
  return (view.blocks ?? []).flatMap((b) => {
    if (b.type !== "input" || typeof b.block_id !== "string") return [];
    const element = b.element as Record<string, unknown>;
    return [{ blockId: b.block_id, actionId: String(element.action_id), type: String(element.type), optional: b.optional === true, element }];
  });
}

/** What an input shows when the modal opens (its initial value, option(s) or date), or undefined. */
function shown(input: InputInfo | undefined): unknown {
  const e = input?.element ?? {};
  if (e.initial_value !== undefined) return e.initial_value;
  if (e.initial_date !== undefined) return e.initial_date;
  if (e.initial_option !== undefined) return (e.initial_option as { value: string }).value;
  if (e.initial_options !== undefined) return (e.initial_options as Array<{ value: string }>).map((o) => o.value).sort();
  return undefined;
}

function progressLine(view: ViewJson): string {
  const first = view.blocks?.[0] as { type?: string; elements?: Array<{ text?: string }> } | undefined;
  if (first?.type !== "context") throw new Error("the page has no progress line first");
  return String(first.elements?.[0]?.text);
}

const stepCount = (view: ViewJson) => Number(/Step \d+ of (\d+)/.exec(progressLine(view))?.[1]);
const pageIdOf = (view: ViewJson) => String((JSON.parse(view.private_metadata ?? "{}") as { p?: string }).p);

/**
 * Starts a screening and answers pages with the scenario until one (not the first) has a
 * free-text question; returns that page's view and what to type on it: the scenario's answers,
 * except the free text, which is left unfinished and invalid.
 */
async function reachTextPage(person: Person): Promise<{ view: ViewJson; typed: StateValues; text: InputInfo }> {
  await person.command("new");
  for (let i = 0; i < 20; i++) {
    await person.submitPage(low.answers);
    const view = person.requireView().view;
    if (view.callback_id !== CALLBACK.page) break;
    const text = inputsOf(view).find((x) => x.type === "plain_text_input");
    if (!text) continue;
    const typed = fillState(view, low.answers);
    typed[text.blockId] = { [text.actionId]: { type: "plain_text_input", value: INVALID_TEXT } };
    return { view, typed, text };
  }
  throw new Error("the scenario's interview has no free-text question after the first page");
}

/** Every input of `view` shows what `typed` holds for it. */
function expectShows(view: ViewJson, typed: StateValues): void {
  for (const input of inputsOf(view)) {
    const state = typed[input.blockId]?.[input.actionId] as Record<string, unknown> | undefined;
    const option = state?.selected_option as { value: string } | null | undefined;
    const options = state?.selected_options as Array<{ value: string }> | undefined;
    const expected = option
      ? option.value
      : options && options.length > 0
        ? options.map((o) => o.value).sort()
        : ((state?.value ?? state?.selected_date ?? undefined) as unknown);
    expect(shown(input), input.blockId).toEqual(expected ?? undefined);
  }
}

async function storedAnswers(person: Person) {
  const row = await e2e.db.prisma.screening.findFirstOrThrow({ where: { requesterId: person.userId }, orderBy: { createdAt: "desc" } });
  return { row, answers: await e2e.db.prisma.answer.findMany({ where: { screeningId: row.id } }) };
}

describe("the page modal", () => {
  it("shows the step among the steps in force, says when answers changed their number, and never shows a source", async () => {
    const person = e2e.person("UPROGRESS");
    await person.command("new");
    const first = person.requireView().view;
    expect(progressLine(first)).toMatch(/^DD-\d{4}-\d{4,} · Step 1 of \d+$/);
    await person.submitPage(low.answers);
    const second = person.requireView().view;
    expect(progressLine(second)).toMatch(/ · Step 2 of \d+/);
    const before = stepCount(first);
    const after = stepCount(second);
    if (after > before) expect(progressLine(second)).toContain(`Your answers added ${after - before === 1 ? "a step" : `${after - before} steps`}`);
    else if (after < before) expect(progressLine(second)).toContain(`Your answers removed ${before - after === 1 ? "a step" : `${before - after} steps`}`);
    else expect(progressLine(second)).not.toContain("Your answers");
    for (const view of [first, second]) {
      const text = JSON.stringify(view);
      expect(text).not.toMatch(/Source:|saved when you press|does not save/);
    }
  });
});

describe("Back keeps what was typed", () => {
  it("comes back to the page with exactly what was typed, an unfinished invalid value included, and stores nothing invalid", async () => {
    const person = e2e.person("UBACKDRAFT");
    const { view, typed, text } = await reachTextPage(person);
    const pageTitle = view.title?.text;
    // nothing on the page was ever saved: what it shows now is empty
    expect(shown(inputsOf(view).find((x) => x.blockId === text.blockId))).toBeUndefined();

    const click = await person.clickInView(ACTION.back, pageIdOf(view), typed);
    expect(click.status).toBe(200);
    const previous = person.requireView().view;
    expect(previous.callback_id).toBe(CALLBACK.page);
    expect(previous.title?.text).not.toBe(pageTitle);

    // forward again, page by page, until the page left with Back
    for (let i = 0; i < 20 && person.requireView().view.title?.text !== pageTitle; i++) await person.submitPage(low.answers);
    const again = person.requireView().view;
    expect(again.title?.text).toBe(pageTitle);
    expect(shown(inputsOf(again).find((x) => x.blockId === text.blockId))).toBe(INVALID_TEXT);
    expectShows(again, typed);

    // the invalid text was never stored as an answer
    const { answers } = await storedAnswers(person);
    expect(JSON.stringify(answers.map((a) => a.value))).not.toContain("unfinish");
    expect(answers.some((a) => `q:${a.questionId}` === text.blockId)).toBe(false);

    // Next still refuses it, with a message on that input
    const reply = await person.submit(typed);
    const json = reply.json as { response_action?: string; errors?: Record<string, string> };
    expect(json.response_action).toBe("errors");
    expect(Object.keys(json.errors ?? {})).toContain(text.blockId);
  });
});

describe("closing the modal keeps what was typed", () => {
  it("keeps the open page as a draft, confirms it by DM, and /screening resume shows it", async () => {
    const person = e2e.person("UCLOSEDRAFT");
    const { view, typed, text } = await reachTextPage(person);
    const { row } = await storedAnswers(person);

    const closed = await person.closeView(typed);
    expect(closed.status).toBe(200);
    expect(person.view).toBeNull();
    await e2e.settle();

    const dms = e2e.api.dms(person.userId).filter((m) => JSON.stringify(m).includes(row.reference));
    expect(dms).toHaveLength(1);
    const dm = JSON.stringify(dms[0]);
    expect(dm).toContain("saved as a draft");
    expect(dm).toContain("/screening resume");

    await person.command("resume");
    const resumed = person.requireView().view;
    expect(resumed.callback_id).toBe(CALLBACK.page);
    expect(resumed.title?.text).toBe(view.title?.text);
    expect(shown(inputsOf(resumed).find((x) => x.blockId === text.blockId))).toBe(INVALID_TEXT);
    expectShows(resumed, typed);

    const { answers } = await storedAnswers(person);
    expect(answers.some((a) => `q:${a.questionId}` === text.blockId)).toBe(false);
  });
});
