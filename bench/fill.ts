// What a person does with a modal: read its input blocks and pick, for each, the answer they
// mean to give. Produces view.state.values exactly as Slack sends them on submission, from the
// view the app rendered (element types and option objects), not from how the app builds it.

export type AnswerInput = string | number | boolean | string[];
export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

interface Option {
  value: string;
  [key: string]: unknown;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function optionsOf(element: Record<string, unknown>): Option[] {
  const direct = Array.isArray(element.options) ? element.options : [];
  const grouped = Array.isArray(element.option_groups) ? element.option_groups.flatMap((g) => (isRecord(g) && Array.isArray(g.options) ? g.options : [])) : [];
  return [...direct, ...grouped].filter((o): o is Option => isRecord(o) && typeof o.value === "string");
}

function asText(answer: AnswerInput): string {
  if (answer === true) return "yes";
  if (answer === false) return "no";
  return Array.isArray(answer) ? answer.join(",") : String(answer);
}

/**
 * state.values for every input block of `blocks`, answering block `<prefix><id>` with
 * answers[id]. An option the view does not offer is sent as given (the app must refuse it).
 */
export function fillInputs(blocks: readonly unknown[], answers: Readonly<Record<string, AnswerInput | undefined>>, prefix = "q:"): StateValues {
  const values: StateValues = {};
  for (const block of blocks) {
    if (!isRecord(block) || block.type !== "input" || typeof block.block_id !== "string" || !isRecord(block.element)) continue;
    const element = block.element;
    const type = typeof element.type === "string" ? element.type : "plain_text_input";
    const actionId = typeof element.action_id === "string" ? element.action_id : "";
    const key = block.block_id.startsWith(prefix) ? block.block_id.slice(prefix.length) : block.block_id;
    const answer = answers[key];
    const options = optionsOf(element);
    const pick = (v: string): Option => options.find((o) => o.value === v) ?? { text: { type: "plain_text", text: v }, value: v };
    let state: Record<string, unknown>;
    if (type === "radio_buttons" || type === "static_select") {
      state = { selected_option: answer === undefined ? null : pick(asText(answer)) };
    } else if (type === "checkboxes" || type === "multi_static_select") {
      const chosen = answer === undefined ? [] : Array.isArray(answer) ? answer : [asText(answer)];
      state = { selected_options: chosen.map(pick) };
    } else if (type === "datepicker") {
      state = { selected_date: answer === undefined ? null : asText(answer) };
    } else {
      state = { value: answer === undefined ? null : asText(answer) };
    }
    values[block.block_id] = { [actionId]: { type, ...state } };
  }
  return values;
}

/** The value of the first button with this action id in a message's or view's blocks, with its block id. */
export function findButton(blocks: readonly unknown[], actionId: string): { blockId: string; value: string } | undefined {
  for (const block of blocks) {
    if (!isRecord(block)) continue;
    const elements = [block.accessory, block.element, ...(Array.isArray(block.elements) ? block.elements : [])];
    for (const e of elements) {
      if (isRecord(e) && e.type === "button" && e.action_id === actionId && typeof block.block_id === "string") {
        return { blockId: block.block_id, value: typeof e.value === "string" ? e.value : "" };
      }
    }
  }
  return undefined;
}
