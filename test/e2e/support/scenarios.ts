// Realistic transactions from the rules' scenario suite, reused to drive whole interviews.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import type { AnswerInput } from "./fill.js";
import { CALLBACK } from "../../../src/slack/ids.js";
import type { HttpReply, Person } from "./harness.js";

const ScenarioFile = z.object({
  description: z.string(),
  expect: z.object({ tier: z.string(), hard_stops: z.array(z.string()).default([]) }),
  answers: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])),
});
export type Scenario = z.infer<typeof ScenarioFile>;

export function scenario(name: string): Scenario {
  const text = readFileSync(join("test/rules/scenarios", `${name}.yml`), "utf8");
  return ScenarioFile.parse(parse(text));
}

/** Answers every page the bot shows with the scenario's answers, up to (not including) the review's submit. */
export async function answerAllPages(person: Person, answers: Record<string, AnswerInput>): Promise<string[]> {
  const pages: string[] = [];
  for (let i = 0; i < 40; i++) {
    const view = person.requireView().view;
    if (view.callback_id !== CALLBACK.page) return pages;
    pages.push(String(view.title?.text));
    const reply: HttpReply = await person.submitPage(answers);
    const action = reply.json as { response_action?: string; errors?: unknown } | undefined;
    if (action?.response_action === "errors") throw new Error(`page "${pages.at(-1)}" refused: ${JSON.stringify(action.errors)}`);
  }
  throw new Error("the interview did not reach the review");
}

/** Starts, answers and submits a whole screening; returns its reference. */
export async function completeScreening(person: Person, answers: Record<string, AnswerInput>): Promise<string> {
  await person.command("new");
  await answerAllPages(person, answers);
  const review = person.requireView().view;
  if (review.callback_id !== CALLBACK.review) throw new Error(`expected the review, got ${review.callback_id}`);
  const reply = await person.submit({});
  const result = reply.json as { response_action?: string; view?: { blocks?: unknown[] } } | undefined;
  const text = JSON.stringify(result?.view ?? {});
  const ref = /DD-\d{4}-\d{4,}/.exec(text)?.[0];
  if (!ref) throw new Error(`no reference in the result view: ${text.slice(0, 300)}`);
  return ref;
}
