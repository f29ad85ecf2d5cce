// Block Kit → DOM, for the sandbox page: every block and element type the bot uses (header,
// section with text, fields and a button accessory, context, divider, actions with buttons and
// confirm dialogs, input with plain_text_input, number_input, datepicker, radio_buttons,
// checkboxes, static_select and multi_static_select, with hints and errors under the input).
// Anything else is shown as "not shown by the sandbox" so a rule editor notices.
// Text only ever goes into the page through textContent (never innerHTML).
import { emojify, parseMrkdwn } from "./mrkdwn.js";

/** h("div", { class: "x", onclick: fn, dataset: {…} }, child, "text", …) */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

// ---- text ---------------------------------------------------------------------------------

/** A plain_text or mrkdwn text object. */
export function renderText(obj, ctx, tag = "div") {
  if (!obj || typeof obj !== "object") return h(tag);
  if (obj.type === "mrkdwn") return renderMrkdwn(String(obj.text ?? ""), ctx, tag);
  const text = String(obj.text ?? "");
  return h(tag, { class: "plain" }, obj.emoji === false ? text : emojify(text));
}

/** Plain text of a text object, for labels and buttons. */
export function plain(obj) {
  if (!obj || typeof obj !== "object") return "";
  const text = String(obj.text ?? "");
  return obj.emoji === false ? text : emojify(text);
}

export function renderMrkdwn(text, ctx, tag = "div") {
  const root = h(tag, { class: "mrkdwn" });
  // Dates read "today", "yesterday" by the workspace's clock (the sandbox's, which may be ahead).
  for (const block of parseMrkdwn(text, ctx?.now ? { now: ctx.now } : {})) {
    const el = block.type === "quote" ? h("blockquote") : h("p");
    append(el, block.children.map((t) => inlineNode(t, ctx)));
    root.append(el);
  }
  return root;
}

function inlineNode(token, ctx) {
  switch (token.type) {
    case "text":
      return document.createTextNode(token.text);
    case "code":
      return h("code", {}, token.text);
    case "bold":
      return h("strong", {}, token.children.map((t) => inlineNode(t, ctx)));
    case "italic":
      return h("em", {}, token.children.map((t) => inlineNode(t, ctx)));
    case "strike":
      return h("s", {}, token.children.map((t) => inlineNode(t, ctx)));
    case "br":
      return h("br");
    case "mention": {
      const name = ctx?.names?.[token.user];
      return h("span", { class: "mention", title: token.user }, `@${name ?? token.label ?? token.user}`);
    }
    case "channel":
      return h("span", { class: "mention" }, `#${token.label}`);
    case "broadcast":
    case "usergroup":
      return h("span", { class: "mention broadcast" }, token.label);
    case "date":
      return h("span", { class: "date" }, token.text);
    case "link":
      return h("a", { href: token.url, target: "_blank", rel: "noopener noreferrer" }, token.children.map((t) => inlineNode(t, ctx)));
    default:
      return document.createTextNode("");
  }
}

// ---- blocks -------------------------------------------------------------------------------

/**
 * ctx: {
 *   names: user id → display name,
 *   now: the workspace's time (a Date) for relative dates; default the browser's clock,
 *   onButton(blockIndex, block, element, buttonNode): a button was pressed (after its confirm dialog),
 *   confirm(confirmObject): Promise<boolean>,
 *   errors: block_id → message (input blocks),
 *   idPrefix: makes form control ids unique on the page,
 * }
 */
export function renderBlocks(blocks, ctx) {
  const root = h("div", { class: "blocks" });
  (Array.isArray(blocks) ? blocks : []).forEach((block, index) => root.append(renderBlock(block, index, ctx)));
  return root;
}

function renderBlock(block, index, ctx) {
  const data = { blockIndex: String(index), ...(typeof block?.block_id === "string" ? { blockId: block.block_id } : {}) };
  switch (block?.type) {
    case "header":
      return h("h3", { class: "bk-header", dataset: data }, plain(block.text));
    case "divider":
      return h("hr", { class: "bk-divider", dataset: data });
    case "section":
      return renderSection(block, index, ctx, data);
    case "context":
      return h(
        "div",
        { class: "bk-context", dataset: data },
        (block.elements ?? []).map((el) =>
          el?.type === "image" ? h("span", { class: "bk-image-alt" }, `[${el.alt_text ?? "image"}]`) : renderText(el, ctx, "span"),
        ),
      );
    case "actions":
      return h(
        "div",
        { class: "bk-actions", dataset: data },
        (block.elements ?? []).map((el) => (el?.type === "button" ? renderButton(el, (button) => ctx.onButton?.(index, block, el, button), ctx) : unsupported(`${el?.type} element`))),
      );
    case "input":
      return renderInput(block, index, ctx, data);
    default:
      return unsupported(`${block?.type ?? "unknown"} block`);
  }
}

function renderSection(block, index, ctx, data) {
  const body = h("div", { class: "bk-section-body" });
  if (block.text) body.append(renderText(block.text, ctx));
  if (Array.isArray(block.fields) && block.fields.length > 0) {
    body.append(h("div", { class: "bk-fields" }, block.fields.map((f) => renderText(f, ctx))));
  }
  const section = h("div", { class: "bk-section", dataset: data }, body);
  const acc = block.accessory;
  if (acc) {
    section.append(
      h("div", { class: "bk-accessory" }, acc.type === "button" ? renderButton(acc, (button) => ctx.onButton?.(index, block, acc, button), ctx) : acc.type === "image" ? h("span", { class: "bk-image-alt" }, `[${acc.alt_text ?? "image"}]`) : unsupported(`${acc.type} accessory`)),
    );
  }
  return section;
}

function renderButton(el, press, ctx) {
  const style = el.style === "primary" ? " primary" : el.style === "danger" ? " danger" : "";
  const button = h(
    "button",
    {
      type: "button",
      class: `bk-button${style}`,
      dataset: { actionId: String(el.action_id ?? "") },
      onclick: async (event) => {
        event.preventDefault();
        if (el.confirm && !(await ctx.confirm(el.confirm))) return;
        press(button);
      },
    },
    plain(el.text),
  );
  return button;
}

function unsupported(what) {
  return h("div", { class: "bk-unsupported" }, `(${what}: not shown by the sandbox)`);
}

// ---- inputs -------------------------------------------------------------------------------

let controlCounter = 0;

function renderInput(block, index, ctx, data) {
  const el = block.element ?? {};
  const id = `${ctx.idPrefix ?? "f"}-${++controlCounter}`;
  const wrapper = h("div", { class: "bk-input", dataset: { ...data, type: String(el.type ?? "") } });
  const label = h("label", { class: "bk-label", for: id }, plain(block.label), block.optional ? h("span", { class: "optional" }, " (optional)") : null);
  const isGroup = el.type === "radio_buttons" || el.type === "checkboxes";
  wrapper.append(isGroup ? h("div", { class: "bk-label", id }, [...label.childNodes]) : label);
  wrapper.append(renderElement(el, id));
  const error = h("div", { class: "bk-error", role: "alert", hidden: true });
  wrapper.append(error);
  if (block.hint) wrapper.append(h("div", { class: "bk-hint" }, plain(block.hint).split("\n").map((line, i) => [i > 0 ? h("br") : null, line])));
  const message = block.block_id && ctx.errors ? ctx.errors[block.block_id] : undefined;
  if (message) setError(wrapper, message);
  return wrapper;
}

function allOptions(el) {
  const direct = Array.isArray(el.options) ? el.options : [];
  const grouped = Array.isArray(el.option_groups) ? el.option_groups.flatMap((g) => g.options ?? []) : [];
  return [...direct, ...grouped];
}

function optionNodes(el, skip = new Set()) {
  const option = (o) => (skip.has(o.value) ? null : h("option", { value: String(o.value ?? "") }, plain(o.text)));
  if (Array.isArray(el.option_groups)) return el.option_groups.map((g) => h("optgroup", { label: plain(g.label) }, (g.options ?? []).map(option)));
  return (el.options ?? []).map(option);
}

function renderElement(el, id) {
  const placeholder = el.placeholder ? plain(el.placeholder) : undefined;
  switch (el.type) {
    case "plain_text_input": {
      const props = {
        id,
        class: "bk-control",
        placeholder,
        maxlength: typeof el.max_length === "number" ? String(el.max_length) : undefined,
        minlength: typeof el.min_length === "number" ? String(el.min_length) : undefined,
      };
      const control = el.multiline ? h("textarea", { ...props, rows: "4" }) : h("input", { ...props, type: "text" });
      control.value = typeof el.initial_value === "string" ? el.initial_value : "";
      return control;
    }
    case "number_input": {
      const control = h("input", { id, class: "bk-control number", type: "text", inputmode: el.is_decimal_allowed ? "decimal" : "numeric", placeholder });
      control.value = typeof el.initial_value === "string" ? el.initial_value : "";
      const bounds = [el.min_value !== undefined ? `at least ${el.min_value}` : null, el.max_value !== undefined ? `at most ${el.max_value}` : null].filter(Boolean);
      return bounds.length ? h("div", { class: "bk-number" }, control, h("span", { class: "bk-bounds" }, `Number, ${bounds.join(", ")}`)) : control;
    }
    case "datepicker": {
      const control = h("input", { id, class: "bk-control date", type: "date" });
      control.value = typeof el.initial_date === "string" ? el.initial_date : "";
      return control;
    }
    case "radio_buttons":
    case "checkboxes": {
      const multiple = el.type === "checkboxes";
      const initial = new Set(multiple ? (el.initial_options ?? []).map((o) => o.value) : el.initial_option ? [el.initial_option.value] : []);
      return h(
        "div",
        { class: `bk-choices ${multiple ? "checkboxes" : "radios"}`, role: multiple ? "group" : "radiogroup", "aria-labelledby": id },
        (el.options ?? []).map((o) =>
          h(
            "label",
            { class: "bk-choice" },
            h("input", { type: multiple ? "checkbox" : "radio", name: id, value: String(o.value ?? ""), checked: initial.has(o.value) }),
            h("span", { class: "bk-choice-text" }, plain(o.text), o.description ? h("small", {}, plain(o.description)) : null),
          ),
        ),
      );
    }
    case "static_select": {
      const select = h("select", { id, class: "bk-control" }, h("option", { value: "" }, placeholder ?? "Choose an option"), optionNodes(el));
      select.value = el.initial_option ? String(el.initial_option.value) : "";
      return select;
    }
    case "multi_static_select":
      return renderMultiSelect(el, id, placeholder);
    default:
      return unsupported(`${el.type} element`);
  }
}

/** Slack's multi-select as chips plus a menu to add one more. */
function renderMultiSelect(el, id, placeholder) {
  const options = allOptions(el);
  const chosen = new Set((el.initial_options ?? []).map((o) => o.value));
  const chips = h("div", { class: "bk-chips" });
  const select = h("select", { id, class: "bk-control" });
  const redraw = () => {
    chips.replaceChildren(
      ...options
        .filter((o) => chosen.has(o.value))
        .map((o) =>
          h(
            "span",
            { class: "bk-chip", dataset: { value: String(o.value) } },
            plain(o.text),
            h("button", { type: "button", class: "bk-chip-remove", "aria-label": `Remove ${plain(o.text)}`, onclick: () => (chosen.delete(o.value), redraw()) }, "\u00D7"),
          ),
        ),
    );
    select.replaceChildren(h("option", { value: "" }, chosen.size ? "Add another…" : (placeholder ?? "Choose options")), optionNodes(el, chosen));
    select.value = "";
  };
  select.addEventListener("change", () => {
    if (select.value) chosen.add(options.find((o) => String(o.value) === select.value)?.value ?? select.value);
    redraw();
  });
  redraw();
  return h("div", { class: "bk-multi" }, chips, select);
}

/** What is filled in: block_id → string, string[] or null, as the server's FormValues expects. */
export function readForm(root) {
  const values = {};
  for (const wrapper of root.querySelectorAll(".bk-input[data-block-id]")) {
    const blockId = wrapper.dataset.blockId;
    switch (wrapper.dataset.type) {
      case "radio_buttons":
        values[blockId] = wrapper.querySelector("input:checked")?.value ?? null;
        break;
      case "checkboxes":
        values[blockId] = [...wrapper.querySelectorAll("input:checked")].map((i) => i.value);
        break;
      case "multi_static_select":
        values[blockId] = [...wrapper.querySelectorAll(".bk-chip")].map((c) => c.dataset.value);
        break;
      default: {
        const control = wrapper.querySelector(".bk-control");
        values[blockId] = control ? control.value : null;
      }
    }
  }
  return values;
}

/** Shows the errors (block_id → message) under their inputs, and clears the others. */
export function showErrors(root, errors) {
  let first = null;
  for (const wrapper of root.querySelectorAll(".bk-input[data-block-id]")) {
    const message = errors?.[wrapper.dataset.blockId];
    setError(wrapper, message);
    if (message && !first) first = wrapper;
  }
  return first;
}

function setError(wrapper, message) {
  const box = wrapper.querySelector(".bk-error");
  wrapper.classList.toggle("has-error", Boolean(message));
  if (!box) return;
  box.textContent = message ?? "";
  box.hidden = !message;
}
