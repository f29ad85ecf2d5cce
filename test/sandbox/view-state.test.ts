// What the sandbox's "Slack client" sends for a filled-in modal, and what it refuses to send.
import { describe, expect, it } from "vitest";
import { buildViewState, CLIENT_ERRORS } from "../../src/sandbox/view-state.js";

const plain = (text: string) => ({ type: "plain_text", text });
const option = (value: string, text = value) => ({ text: plain(text), value });

const view = {
  blocks: [
    { type: "section", text: { type: "mrkdwn", text: "intro" } },
    { type: "input", block_id: "text", label: plain("Text"), element: { type: "plain_text_input", action_id: "answer", max_length: 10 } },
    { type: "input", block_id: "note", optional: true, label: plain("Note"), element: { type: "plain_text_input", action_id: "answer", multiline: true } },
    { type: "input", block_id: "amount", label: plain("Amount"), element: { type: "number_input", action_id: "answer", is_decimal_allowed: false, min_value: "0", max_value: "100" } },
    { type: "input", block_id: "when", optional: true, label: plain("When"), element: { type: "datepicker", action_id: "answer" } },
    { type: "input", block_id: "radio", label: plain("Radio"), element: { type: "radio_buttons", action_id: "answer", options: [option("yes", "Yes"), option("no", "No")] } },
    { type: "input", block_id: "boxes", optional: true, label: plain("Boxes"), element: { type: "checkboxes", action_id: "answer", options: [option("a"), option("b"), option("c")] } },
    {
      type: "input",
      block_id: "country",
      label: plain("Country"),
      element: { type: "static_select", action_id: "answer", option_groups: [{ label: plain("M"), options: [option("MX", "Mexico")] }, { label: plain("N"), options: [option("NO", "Norway")] }] },
    },
    { type: "input", block_id: "multi", optional: true, label: plain("Multi"), element: { type: "multi_static_select", action_id: "conditions", options: [option("x"), option("y")] } },
  ],
};

describe("buildViewState", () => {
  it("shapes every input block's value as Slack sends it, with the view's own option objects and null for what is empty", () => {
    const { values, errors } = buildViewState(
      view,
      { text: "Camera", note: "", amount: "42", when: "2026-03-31", radio: "no", boxes: ["c", "a"], country: "NO", multi: ["y"] },
      { validate: true },
    );
    expect(errors).toEqual({});
    expect(values).toEqual({
      text: { answer: { type: "plain_text_input", value: "Camera" } },
      note: { answer: { type: "plain_text_input", value: null } },
      amount: { answer: { type: "number_input", value: "42" } },
      when: { answer: { type: "datepicker", selected_date: "2026-03-31" } },
      radio: { answer: { type: "radio_buttons", selected_option: option("no", "No") } },
      boxes: { answer: { type: "checkboxes", selected_options: [option("a"), option("c")] } },
      country: { answer: { type: "static_select", selected_option: option("NO", "Norway") } },
      multi: { conditions: { type: "multi_static_select", selected_options: [option("y")] } },
    });
    expect(Object.keys(values)).not.toContain("intro");
  });

  it("refuses, as Slack's client does, empty required fields and numbers or text outside the element's bounds", () => {
    const { errors } = buildViewState(view, { text: "far too long here", amount: "12.5", radio: null, country: "" }, { validate: true });
    expect(errors).toEqual({
      text: CLIENT_ERRORS.maxLength(10),
      amount: CLIENT_ERRORS.wholeNumber,
      radio: CLIENT_ERRORS.required,
      country: CLIENT_ERRORS.required,
    });
    expect(buildViewState(view, { amount: "101" }, { validate: true }).errors.amount).toBe(CLIENT_ERRORS.atMost("100"));
    expect(buildViewState(view, { amount: "-1" }, { validate: true }).errors.amount).toBe(CLIENT_ERRORS.atLeast("0"));
    expect(buildViewState(view, { amount: "12abc" }, { validate: true }).errors.amount).toBe(CLIENT_ERRORS.number);
    expect(buildViewState(view, { when: "31/03/2026" }, { validate: true }).errors.when).toBe(CLIENT_ERRORS.date);
  });

  it("passes whitespace through: whether it is an answer is the bot's decision", () => {
    const { values, errors } = buildViewState(view, { text: "   " }, { validate: true });
    expect(errors.text).toBeUndefined();
    expect(values.text).toEqual({ answer: { type: "plain_text_input", value: "   " } });
  });

  it("never sends an option the view does not offer", () => {
    const { values, errors } = buildViewState(view, { radio: "maybe", boxes: ["a", "zzz"], country: "XX" }, { validate: true });
    expect(values.radio).toEqual({ answer: { type: "radio_buttons", selected_option: null } });
    expect(values.boxes).toEqual({ answer: { type: "checkboxes", selected_options: [option("a")] } });
    expect(errors.radio).toBe(CLIENT_ERRORS.required);
    expect(errors.country).toBe(CLIENT_ERRORS.required);
  });

  it("does not validate when asked only for the state (button clicks inside a modal)", () => {
    expect(buildViewState(view, {}).errors).toEqual({});
  });
});
