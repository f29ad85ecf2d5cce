// What Slack's client does with a form before it sends anything: turns what the person chose in
// a modal's input blocks into `view.state.values` exactly as Slack sends it (every input block,
// option objects copied from the view, null for what was left empty), and refuses to submit
// while a required field is empty or a number or text is out of the element's own bounds.
// Those client-side errors never reach the bot; the bot's own errors come back as
// response_action "errors". Pure: no Node imports.

/** What the page sends per input block (by block_id): text, one option value, or several. */
export type FormValue = string | string[] | null;
export type FormValues = Record<string, FormValue>;

export type StateValues = Record<string, Record<string, Record<string, unknown>>>;

export interface BuiltState {
  values: StateValues;
  /** block_id → message, as Slack's client shows them under the inputs */
  errors: Record<string, string>;
}

type Json = Record<string, unknown>;

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

export const CLIENT_ERRORS = {
  required: "Please complete this required field.",
  number: "Please enter a valid number.",
  wholeNumber: "Please enter a whole number.",
  date: "Please enter a valid date.",
  atLeast: (min: string) => `Please enter a number greater than or equal to ${min}.`,
  atMost: (max: string) => `Please enter a number less than or equal to ${max}.`,
  minLength: (n: number) => `Please enter at least ${n} characters.`,
  maxLength: (n: number) => `Please enter no more than ${n} characters.`,
} as const;

/** Every option an element offers, from `options` or `option_groups`. */
export function optionsOf(element: Json): Json[] {
  const direct = Array.isArray(element.options) ? element.options.filter(isRecord) : [];
  const grouped = Array.isArray(element.option_groups)
    ? element.option_groups.filter(isRecord).flatMap((g) => (Array.isArray(g.options) ? g.options.filter(isRecord) : []))
    : [];
  return [...direct, ...grouped];
}

/** The input blocks of a view with their element, in order. */
export function inputBlocks(blocks: unknown): Array<{ blockId: string; optional: boolean; element: Json }> {
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b) => {
    if (!isRecord(b) || b.type !== "input" || typeof b.block_id !== "string" || !isRecord(b.element)) return [];
    if (typeof b.element.action_id !== "string" || typeof b.element.type !== "string") return [];
    return [{ blockId: b.block_id, optional: b.optional === true, element: b.element }];
  });
}

/**
 * state.values for a view's input blocks from the page's values. With `validate`, also the
 * errors Slack's client would show instead of submitting (required, number and length bounds).
 */
export function buildViewState(view: { blocks?: unknown }, form: FormValues, opts: { validate: boolean } = { validate: false }): BuiltState {
  const values: StateValues = {};
  const errors: Record<string, string> = {};
  for (const { blockId, optional, element } of inputBlocks(view.blocks)) {
    const actionId = String(element.action_id);
    const type = String(element.type);
    const raw = Object.hasOwn(form, blockId) ? form[blockId] : null;
    const one = typeof raw === "string" ? raw : Array.isArray(raw) ? (raw[0] ?? null) : null;
    const many = Array.isArray(raw) ? raw : typeof raw === "string" && raw !== "" ? [raw] : [];
    const options = optionsOf(element);
    const option = (value: string | null) => (value === null ? undefined : options.find((o) => o.value === value));
    let state: Record<string, unknown>;
    let empty: boolean;
    let problem: string | undefined;
    switch (type) {
      case "radio_buttons":
      case "static_select": {
        const chosen = option(one);
        state = { type, selected_option: chosen ? structuredClone(chosen) : null };
        empty = chosen === undefined;
        break;
      }
      case "checkboxes":
      case "multi_static_select": {
        const chosen = options.filter((o) => typeof o.value === "string" && many.includes(o.value));
        state = { type, selected_options: structuredClone(chosen) };
        empty = chosen.length === 0;
        break;
      }
      case "datepicker": {
        const date = one !== null && one !== "" ? one : null;
        state = { type, selected_date: date };
        empty = date === null;
        if (date !== null && !isIsoDate(date)) problem = CLIENT_ERRORS.date;
        break;
      }
      case "number_input": {
        const text = one !== null ? one.trim() : "";
        state = { type, value: text === "" ? null : text };
        empty = text === "";
        if (!empty) problem = numberProblem(text, element);
        break;
      }
      default: {
        // plain_text_input and anything else that carries a value
        const text = one ?? "";
        state = { type, value: text === "" ? null : text };
        empty = text === "";
        if (!empty) problem = lengthProblem(text, element);
      }
    }
    values[blockId] = { [actionId]: state };
    if (!opts.validate) continue;
    if (empty && !optional) errors[blockId] = CLIENT_ERRORS.required;
    else if (problem) errors[blockId] = problem;
  }
  return { values, errors };
}

function numberProblem(text: string, element: Json): string | undefined {
  if (!/^-?\d+(\.\d+)?$/.test(text)) return CLIENT_ERRORS.number;
  if (element.is_decimal_allowed !== true && text.includes(".")) return CLIENT_ERRORS.wholeNumber;
  const n = Number(text);
  const min = typeof element.min_value === "string" ? element.min_value : undefined;
  const max = typeof element.max_value === "string" ? element.max_value : undefined;
  if (min !== undefined && n < Number(min)) return CLIENT_ERRORS.atLeast(min);
  if (max !== undefined && n > Number(max)) return CLIENT_ERRORS.atMost(max);
  return undefined;
}

function lengthProblem(text: string, element: Json): string | undefined {
  const length = [...text].length;
  if (typeof element.min_length === "number" && length < element.min_length) return CLIENT_ERRORS.minLength(element.min_length);
  if (typeof element.max_length === "number" && length > element.max_length) return CLIENT_ERRORS.maxLength(element.max_length);
  return undefined;
}

function isIsoDate(s: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
