// Slack's Block Kit limits as one pure function, so the fake Web API refuses what Slack would
// refuse and unit tests can check a builder's output without a server. The numbers are the ones
// in docs/slack-platform.md ("Limits that shape the design") plus the per-element limits of
// Slack's Block Kit reference (button text 75, placeholder 150, radio/checkboxes 10 options...).
// Only limits are checked: unknown block or element types pass, because Slack keeps adding them
// and refusing them here would make the sandbox stricter than Slack.
//
// No Node imports: the browser sandbox can use this module as it is.

export type Surface = "modal" | "home" | "message";

export interface LimitViolation {
  /** RFC 6901 pointer into the payload, "" for the payload itself */
  pointer: string;
  /** which limit is broken, in words */
  message: string;
}

export const BLOCK_KIT_LIMITS = Object.freeze({
  modalText: 24, // title, submit, close
  viewBlocks: 100, // modal or Home tab
  messageBlocks: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  selectOptions: 100, // static_select, multi_static_select
  selectOptionGroups: 100,
  radioOptions: 10,
  checkboxOptions: 10,
  overflowOptionsMin: 2,
  overflowOptionsMax: 5,
  optionText: 75,
  optionDescription: 75,
  optionValue: 150,
  optionGroupLabel: 75,
  plainTextInputLength: 3000, // max_length and min_length
  inputLabel: 2000,
  inputHint: 2000,
  placeholder: 150,
  buttonText: 75,
  buttonValue: 2000,
  url: 3000,
  confirmTitle: 100,
  confirmText: 300,
  confirmButton: 30,
  id: 255, // block_id, action_id
  callbackId: 255,
  externalId: 255,
  privateMetadata: 3000,
  viewBytes: 250_000, // "250 kB" of view JSON
  messageText: 40_000,
});

const L = BLOCK_KIT_LIMITS;

type Json = Record<string, unknown>;

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

function escapePointer(segment: string | number): string {
  if (typeof segment === "number") return String(segment);
  // Most keys need no escaping: skip the two replaces for them (pointers are built for every
  // field checked, and read only when something is wrong).
  return segment.includes("~") || segment.includes("/") ? segment.replace(/~/g, "~0").replace(/\//g, "~1") : segment;
}

function at(pointer: string, ...segments: Array<string | number>): string {
  let out = pointer;
  for (const s of segments) out += `/${escapePointer(s)}`;
  return out;
}

/**
 * Order-insensitive deep equality of JSON values (for initial options). A number JSON cannot
 * carry (±Infinity, from a literal like 1e400) compares as the null JSON.stringify makes of it.
 */
function sameJson(a: unknown, b: unknown): boolean {
  if (a === b || asJson(a) === asJson(b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  if (isRecord(a) && isRecord(b)) {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    return ka.length === kb.length && ka.every((k) => Object.prototype.hasOwnProperty.call(b, k) && sameJson(a[k], b[k]));
  }
  return false;
}

function asJson(x: unknown): unknown {
  return typeof x === "number" && !Number.isFinite(x) ? null : x;
}

class Collector {
  readonly violations: LimitViolation[] = [];
  add(pointer: string, message: string): void {
    this.violations.push({ pointer, message });
  }
  /** A string field's length (in characters, as Slack counts them). */
  maxLength(pointer: string, value: unknown, max: number, what: string): void {
    // A string has at most as many characters as UTF-16 units: count them only when it could be too long.
    if (typeof value === "string" && value.length > max && [...value].length > max) {
      this.add(pointer, `${what} must be at most ${max} characters (got ${[...value].length})`);
    }
  }
  /** A text object that must exist, be plain_text (when asked) and fit. Emptiness is checked by the generic walk. */
  textObject(pointer: string, value: unknown, max: number, what: string, opts: { plainOnly?: boolean; required?: boolean } = {}): void {
    if (value === undefined) {
      if (opts.required) this.add(pointer, `${what} is required`);
      return;
    }
    if (!isRecord(value)) return this.add(pointer, `${what} must be a text object`);
    if (opts.plainOnly && value.type !== "plain_text") this.add(at(pointer, "type"), `${what} must be plain_text`);
    else if (value.type !== "plain_text" && value.type !== "mrkdwn") this.add(at(pointer, "type"), `${what} must be plain_text or mrkdwn`);
    if (typeof value.text !== "string") return this.add(at(pointer, "text"), `${what} must have a text string`);
    this.maxLength(at(pointer, "text"), value.text, max, what);
  }
}

/** Every broken limit in a payload, with where it is. [] means Slack would accept it. */
export function limitViolations(surface: Surface, payload: unknown): LimitViolation[] {
  let json: string;
  try {
    json = JSON.stringify(payload) ?? "";
  } catch {
    return [{ pointer: "", message: "payload must be JSON-serializable" }];
  }
  return limitViolationsInJson(surface, json);
}

/**
 * limitViolations for a payload its caller has already serialised: `json` must be
 * JSON.stringify(payload), and `jsonBytes`, when given, its length in UTF-8 bytes.
 */
export function limitViolationsInJson(surface: Surface, json: string, jsonBytes?: number): LimitViolation[] {
  let p: unknown;
  try {
    p = JSON.parse(json); // exactly what Slack receives (undefined fields dropped)
  } catch {
    return [{ pointer: "", message: "payload must be JSON-serializable" }];
  }
  return violationsIn(surface, p, json, jsonBytes);
}

/**
 * limitViolations for a payload made of what JSON.parse returns (and strings), unchanged: the
 * same answer without serialising and parsing it again. `jsonBytes`, when known, is the length
 * of JSON.stringify(payload) in UTF-8 bytes (only views need it). (Serialising and parsing such
 * a value gives it back, except -0, which becomes 0, and a number too large for a double, which
 * JSON.parse makes ±Infinity and JSON.stringify null; the checks below treat those alike.)
 */
export function limitViolationsOfParsedJson(surface: Surface, payload: unknown, jsonBytes?: number): LimitViolation[] {
  return violationsIn(surface, payload, undefined, jsonBytes);
}

function violationsIn(surface: Surface, p: unknown, json: string | undefined, jsonBytes: number | undefined): LimitViolation[] {
  const c = new Collector();
  if (!isRecord(p)) return [{ pointer: "", message: `${surface === "message" ? "message" : "view"} must be a JSON object` }];

  if (surface === "message") checkMessageTop(c, p);
  else checkViewTop(c, surface, p, jsonBytes ?? Buffer.byteLength(json ?? JSON.stringify(p)));

  const blocks = p.blocks;
  if (blocks !== undefined || surface !== "message") {
    if (!Array.isArray(blocks)) {
      c.add("/blocks", "blocks must be an array");
    } else {
      const max = surface === "message" ? L.messageBlocks : L.viewBlocks;
      if (blocks.length > max) c.add("/blocks", `at most ${max} blocks are allowed in a ${surface === "message" ? "message" : surface === "home" ? "Home tab" : "modal"} (got ${blocks.length})`);
      const blockIds = new Map<string, number>();
      blocks.forEach((b, i) => checkBlock(c, at("/blocks", i), b, blockIds, i));
    }
  }
  walkTextObjects(c, "", p);
  return c.violations;
}

/** One line per broken limit, "what is wrong [json-pointer:/where]", as Slack words its own. */
export function checkBlockKitLimits(surface: Surface, payload: unknown): string[] {
  return limitViolations(surface, payload).map((v) => formatViolation(v));
}

export function formatViolation(v: LimitViolation, pointerPrefix = ""): string {
  return `${v.message} [json-pointer:${pointerPrefix}${v.pointer}]`;
}

function checkViewTop(c: Collector, surface: "modal" | "home", v: Json, bytes: number): void {
  if (surface === "modal") {
    c.textObject("/title", v.title, L.modalText, "modal title", { plainOnly: true, required: true });
    c.textObject("/submit", v.submit, L.modalText, "modal submit button", { plainOnly: true });
    c.textObject("/close", v.close, L.modalText, "modal close button", { plainOnly: true });
    const hasInput = Array.isArray(v.blocks) && v.blocks.some((b) => isRecord(b) && b.type === "input");
    if (hasInput && v.submit === undefined) c.add("/submit", "modal submit button is required when the view has input blocks");
  }
  for (const [key, max, what] of [
    ["private_metadata", L.privateMetadata, "private_metadata"],
    ["callback_id", L.callbackId, "callback_id"],
    ["external_id", L.externalId, "external_id"],
  ] as const) {
    const value = v[key];
    if (value !== undefined && typeof value !== "string") c.add(at("", key), `${what} must be a string`);
    c.maxLength(at("", key), value, max, what);
  }
  if (bytes > L.viewBytes) c.add("", `view must be at most ${L.viewBytes} bytes of JSON (250 kB), got ${bytes}`);
}

function checkMessageTop(c: Collector, m: Json): void {
  if (m.text !== undefined && typeof m.text !== "string") c.add("/text", "message text must be a string");
  c.maxLength("/text", m.text, L.messageText, "message text");
}

function checkBlock(c: Collector, ptr: string, b: unknown, blockIds: Map<string, number>, index: number): void {
  if (!isRecord(b)) return c.add(ptr, "block must be an object");
  if (typeof b.type !== "string") c.add(at(ptr, "type"), "block type is required");
  const id = b.block_id;
  if (id !== undefined) {
    if (typeof id !== "string" || id.length === 0) c.add(at(ptr, "block_id"), "block_id must be a non-empty string");
    else {
      c.maxLength(at(ptr, "block_id"), id, L.id, "block_id");
      const first = blockIds.get(id);
      if (first !== undefined) c.add(at(ptr, "block_id"), `block_id "${id}" must be unique (also used by block ${first})`);
      else blockIds.set(id, index);
    }
  }
  switch (b.type) {
    case "section": {
      if (b.text !== undefined) c.textObject(at(ptr, "text"), b.text, L.sectionText, "section text");
      if (b.fields !== undefined) {
        if (!Array.isArray(b.fields)) c.add(at(ptr, "fields"), "section fields must be an array");
        else {
          if (b.fields.length > L.sectionFields) c.add(at(ptr, "fields"), `a section has at most ${L.sectionFields} fields (got ${b.fields.length})`);
          b.fields.forEach((f, i) => c.textObject(at(ptr, "fields", i), f, L.sectionFieldText, "section field"));
        }
      }
      if (b.text === undefined && b.fields === undefined) c.add(ptr, "a section needs text or fields");
      if (b.accessory !== undefined) checkElement(c, at(ptr, "accessory"), b.accessory);
      break;
    }
    case "header":
      c.textObject(at(ptr, "text"), b.text, L.headerText, "header text", { plainOnly: true, required: true });
      break;
    case "context":
      if (!Array.isArray(b.elements) || b.elements.length === 0) c.add(at(ptr, "elements"), "a context block needs at least one element");
      else if (b.elements.length > L.contextElements) c.add(at(ptr, "elements"), `a context block has at most ${L.contextElements} elements (got ${b.elements.length})`);
      break;
    case "actions": {
      if (!Array.isArray(b.elements) || b.elements.length === 0) {
        c.add(at(ptr, "elements"), "an actions block needs at least one element");
        break;
      }
      if (b.elements.length > L.actionsElements) c.add(at(ptr, "elements"), `an actions block has at most ${L.actionsElements} elements (got ${b.elements.length})`);
      const actionIds = new Set<string>();
      b.elements.forEach((e, i) => {
        if (isRecord(e) && typeof e.action_id === "string") {
          if (actionIds.has(e.action_id)) c.add(at(ptr, "elements", i, "action_id"), `action_id "${e.action_id}" must be unique within its block`);
          actionIds.add(e.action_id);
        }
        checkElement(c, at(ptr, "elements", i), e);
      });
      break;
    }
    case "input":
      c.textObject(at(ptr, "label"), b.label, L.inputLabel, "input label", { plainOnly: true, required: true });
      c.textObject(at(ptr, "hint"), b.hint, L.inputHint, "input hint", { plainOnly: true });
      if (b.element === undefined) c.add(at(ptr, "element"), "an input block needs an element");
      else checkElement(c, at(ptr, "element"), b.element);
      break;
    default:
      break;
  }
}

function checkElement(c: Collector, ptr: string, e: unknown): void {
  if (!isRecord(e)) return c.add(ptr, "element must be an object");
  if (e.action_id !== undefined) {
    if (typeof e.action_id !== "string" || e.action_id.length === 0) c.add(at(ptr, "action_id"), "action_id must be a non-empty string");
    else c.maxLength(at(ptr, "action_id"), e.action_id, L.id, "action_id");
  }
  c.textObject(at(ptr, "placeholder"), e.placeholder, L.placeholder, "placeholder", { plainOnly: true });
  if (e.confirm !== undefined) checkConfirm(c, at(ptr, "confirm"), e.confirm);
  switch (e.type) {
    case "button":
      c.textObject(at(ptr, "text"), e.text, L.buttonText, "button text", { plainOnly: true, required: true });
      c.maxLength(at(ptr, "value"), e.value, L.buttonValue, "button value");
      c.maxLength(at(ptr, "url"), e.url, L.url, "button url");
      break;
    case "static_select":
    case "multi_static_select":
      checkSelectOptions(c, ptr, e);
      break;
    case "radio_buttons":
      checkOptionList(c, at(ptr, "options"), e.options, { max: L.radioOptions, what: "radio_buttons", plainOnly: false });
      checkInitialOptions(c, ptr, e, asArray(e.options));
      break;
    case "checkboxes":
      checkOptionList(c, at(ptr, "options"), e.options, { max: L.checkboxOptions, what: "checkboxes", plainOnly: false });
      checkInitialOptions(c, ptr, e, asArray(e.options));
      break;
    case "overflow": {
      const n = asArray(e.options).length;
      if (n < L.overflowOptionsMin || n > L.overflowOptionsMax) c.add(at(ptr, "options"), `an overflow menu has ${L.overflowOptionsMin} to ${L.overflowOptionsMax} options (got ${n})`);
      checkOptionList(c, at(ptr, "options"), e.options, { max: L.overflowOptionsMax, what: "overflow", plainOnly: true, skipCount: true });
      break;
    }
    case "plain_text_input":
      for (const key of ["max_length", "min_length"] as const) {
        const n = e[key];
        if (n === undefined) continue;
        if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > L.plainTextInputLength || (key === "max_length" && n < 1)) {
          c.add(at(ptr, key), `plain_text_input ${key} must be an integer from ${key === "max_length" ? 1 : 0} to ${L.plainTextInputLength} (got ${JSON.stringify(n)})`);
        }
      }
      // (finite: of a number JSON cannot carry, Slack receives null)
      if (typeof e.max_length === "number" && typeof e.min_length === "number" && Number.isFinite(e.max_length) && Number.isFinite(e.min_length) && e.min_length > e.max_length) {
        c.add(at(ptr, "min_length"), "plain_text_input min_length must not exceed max_length");
      }
      break;
    case "datepicker":
      if (e.initial_date !== undefined && (typeof e.initial_date !== "string" || !/^\d{4}-\d{2}-\d{2}$/.test(e.initial_date))) {
        c.add(at(ptr, "initial_date"), "datepicker initial_date must be YYYY-MM-DD");
      }
      break;
    default:
      break;
  }
}

function asArray(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}

function checkConfirm(c: Collector, ptr: string, confirm: unknown): void {
  if (!isRecord(confirm)) return c.add(ptr, "confirm must be an object");
  c.textObject(at(ptr, "title"), confirm.title, L.confirmTitle, "confirm title", { plainOnly: true });
  c.textObject(at(ptr, "text"), confirm.text, L.confirmText, "confirm text", { required: true });
  c.textObject(at(ptr, "confirm"), confirm.confirm, L.confirmButton, "confirm button", { plainOnly: true });
  c.textObject(at(ptr, "deny"), confirm.deny, L.confirmButton, "deny button", { plainOnly: true });
}

function checkSelectOptions(c: Collector, ptr: string, e: Json): void {
  const offered: unknown[] = [];
  if (e.options !== undefined && e.option_groups !== undefined) c.add(ptr, `${String(e.type)} takes options or option_groups, not both`);
  if (e.options !== undefined) {
    checkOptionList(c, at(ptr, "options"), e.options, { max: L.selectOptions, what: String(e.type), plainOnly: true });
    offered.push(...asArray(e.options));
  } else if (e.option_groups !== undefined) {
    if (!Array.isArray(e.option_groups)) return c.add(at(ptr, "option_groups"), "option_groups must be an array");
    if (e.option_groups.length > L.selectOptionGroups) {
      c.add(at(ptr, "option_groups"), `${String(e.type)} has at most ${L.selectOptionGroups} option groups (got ${e.option_groups.length})`);
    }
    e.option_groups.forEach((g, i) => {
      const gptr = at(ptr, "option_groups", i);
      if (!isRecord(g)) return c.add(gptr, "option group must be an object");
      c.textObject(at(gptr, "label"), g.label, L.optionGroupLabel, "option group label", { plainOnly: true, required: true });
      checkOptionList(c, at(gptr, "options"), g.options, { max: L.selectOptions, what: "option group", plainOnly: true });
      offered.push(...asArray(g.options));
    });
  } else if (e.type === "static_select" || e.type === "multi_static_select") {
    c.add(at(ptr, "options"), `${String(e.type)} needs options or option_groups`);
  }
  checkInitialOptions(c, ptr, e, offered);
}

function checkOptionList(
  c: Collector,
  ptr: string,
  options: unknown,
  opts: { max: number; what: string; plainOnly: boolean; skipCount?: boolean },
): void {
  if (!Array.isArray(options)) return c.add(ptr, `${opts.what} options must be an array`);
  if (!opts.skipCount) {
    if (options.length === 0) c.add(ptr, `${opts.what} needs at least one option`);
    if (options.length > opts.max) c.add(ptr, `${opts.what} has at most ${opts.max} options (got ${options.length})`);
  }
  options.forEach((o, i) => {
    const optr = at(ptr, i);
    if (!isRecord(o)) return c.add(optr, "option must be an object");
    c.textObject(at(optr, "text"), o.text, L.optionText, "option text", { plainOnly: opts.plainOnly, required: true });
    c.textObject(at(optr, "description"), o.description, L.optionDescription, "option description", { plainOnly: opts.plainOnly });
    if (o.value !== undefined && typeof o.value !== "string") c.add(at(optr, "value"), "option value must be a string");
    c.maxLength(at(optr, "value"), o.value, L.optionValue, "option value");
  });
}

function checkInitialOptions(c: Collector, ptr: string, e: Json, offered: unknown[]): void {
  if (e.initial_option !== undefined && !offered.some((o) => sameJson(o, e.initial_option))) {
    c.add(at(ptr, "initial_option"), "initial_option must be exactly one of the options");
  }
  if (e.initial_options !== undefined) {
    if (!Array.isArray(e.initial_options)) return c.add(at(ptr, "initial_options"), "initial_options must be an array");
    e.initial_options.forEach((io, i) => {
      if (!offered.some((o) => sameJson(o, io))) c.add(at(ptr, "initial_options", i), "each of initial_options must be exactly one of the options");
    });
  }
}

/** Every plain_text or mrkdwn text object anywhere must carry non-empty text. */
function walkTextObjects(c: Collector, ptr: string, x: unknown): void {
  walkText(c, ptr, [], x);
}

/** `path`: the keys from `ptr` to `x`, joined into a pointer only for a text that is empty. */
function walkText(c: Collector, ptr: string, path: Array<string | number>, x: unknown): void {
  if (Array.isArray(x)) {
    for (let i = 0; i < x.length; i++) {
      path.push(i);
      walkText(c, ptr, path, x[i]);
      path.pop();
    }
    return;
  }
  if (!isRecord(x)) return;
  if ((x.type === "plain_text" || x.type === "mrkdwn") && "text" in x) {
    if (typeof x.text === "string" && x.text.length === 0) c.add(at(ptr, ...path, "text"), `${x.type} text must not be empty`);
    return;
  }
  for (const k of Object.keys(x)) {
    path.push(k);
    walkText(c, ptr, path, x[k]);
    path.pop();
  }
}
