// Turns answers (question id → value) into the state.values Slack would send for a page modal
// the bot rendered: the test fills the form the way a person would, reading the view's own
// blocks (element types, option objects) rather than knowing how the bot builds them.
import { z } from "zod";

const OptionShape = z.looseObject({ value: z.string() });
const ElementShape = z.looseObject({
  type: z.string(),
  action_id: z.string(),
  options: z.array(OptionShape).optional(),
  option_groups: z.array(z.looseObject({ options: z.array(OptionShape) })).optional(),
});
const InputBlockShape = z.looseObject({ type: z.literal("input"), block_id: z.string(), element: ElementShape });

export type StateValues = Record<string, Record<string, Record<string, unknown>>>;
export type AnswerInput = string | number | boolean | string[];

/** Block ids of the view's input blocks, in order. */
export function inputBlockIds(view: { blocks?: unknown[] }): string[] {
  return (view.blocks ?? []).flatMap((b) => {
    const parsed = InputBlockShape.safeParse(b);
    return parsed.success ? [parsed.data.block_id] : [];
  });
}

export function fillState(view: { blocks?: unknown[] }, answers: Record<string, AnswerInput | undefined>, prefix = "q:"): StateValues {
  const state: StateValues = {};
  for (const block of view.blocks ?? []) {
    const parsed = InputBlockShape.safeParse(block);
    if (!parsed.success) continue;
    const { block_id, element } = parsed.data;
    const key = block_id.startsWith(prefix) ? block_id.slice(prefix.length) : block_id;
    const answer = answers[key];
    const options = [...(element.options ?? []), ...(element.option_groups ?? []).flatMap((g) => g.options)];
    const option = (v: string) => options.find((o) => o.value === v) ?? { text: { type: "plain_text", text: v }, value: v };
    let value: Record<string, unknown>;
    switch (element.type) {
      case "radio_buttons":
      case "static_select":
        value = { selected_option: answer === undefined ? null : option(yesNo(answer)) };
        break;
      case "checkboxes":
      case "multi_static_select":
        value = { selected_options: (Array.isArray(answer) ? answer : answer === undefined ? [] : [String(answer)]).map(option) };
        break;
      case "datepicker":
        value = { selected_date: answer === undefined ? null : String(answer) };
        break;
      default:
        value = { value: answer === undefined ? null : Array.isArray(answer) ? answer.join(",") : String(answer) };
    }
    state[block_id] = { [element.action_id]: { type: element.type, ...value } };
  }
  return state;
}

function yesNo(v: AnswerInput): string {
  if (v === true) return "yes";
  if (v === false) return "no";
  return String(v);
}
