// An independent check of Slack's Block Kit limits (docs/slack-platform.md, LIMITS) over any
// payload the builders produce, walked as plain JSON so that it checks what Slack receives.
// Returns one line per problem; [] means it fits.
import { isDeepStrictEqual } from "node:util";

export type Surface = "modal" | "home" | "message";

type Json = Record<string, unknown>;

function isRecord(x: unknown): x is Json {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}
function arr(x: unknown): unknown[] {
  return Array.isArray(x) ? x : [];
}
function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}

export function blockKitProblems(surface: Surface, payload: unknown): string[] {
  const problems: string[] = [];
  const p: unknown = JSON.parse(JSON.stringify(payload)); // what Slack receives
  if (!isRecord(p)) return ["payload is not an object"];
  const blocks = arr(p.blocks);
  const maxBlocks = surface === "message" ? 50 : 100;
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks, at most ${maxBlocks}`);
  if (blocks.length === 0) problems.push("no blocks");
  if (surface === "modal") {
    for (const key of ["title", "submit", "close"] as const) {
      const t = p[key];
      if (key === "title" && !isRecord(t)) problems.push("modal without title");
      if (isRecord(t)) {
        if (t.type !== "plain_text") problems.push(`${key} is not plain_text`);
        checkText(problems, `${key}`, t, 24);
      }
    }
    if (blocks.some((b) => isRecord(b) && b.type === "input") && !isRecord(p.submit)) problems.push("input blocks without submit");
    const meta = str(p.private_metadata);
    if (meta !== undefined && meta.length > 3000) problems.push(`private_metadata ${meta.length} > 3000`);
    const cb = str(p.callback_id);
    if (cb !== undefined && cb.length > 255) problems.push("callback_id > 255");
  }
  if (surface === "message") {
    const text = str(p.text);
    if (text === undefined || text.trim() === "") problems.push("message without fallback text");
    else if (text.length > 4000) problems.push(`fallback text ${text.length} > 4000`);
  }
  const size = Buffer.byteLength(JSON.stringify(p), "utf8");
  if (surface !== "message" && size > 250_000) problems.push(`view is ${size} bytes > 250 kB`);

  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const where = `block ${i}`;
    if (!isRecord(b)) return problems.push(`${where}: not an object`);
    const id = str(b.block_id);
    if (id !== undefined) {
      if (blockIds.has(id)) problems.push(`${where}: duplicate block_id ${id}`);
      blockIds.add(id);
      if (id.length > 255) problems.push(`${where}: block_id > 255`);
    }
    checkBlock(problems, where, b);
  });
  return problems;
}

function checkText(problems: string[], where: string, t: unknown, max: number): void {
  if (!isRecord(t)) return void problems.push(`${where}: missing text object`);
  if (t.type !== "plain_text" && t.type !== "mrkdwn") problems.push(`${where}: text type ${String(t.type)}`);
  const text = str(t.text);
  if (text === undefined || text.length === 0) problems.push(`${where}: empty text`);
  else if (text.length > max) problems.push(`${where}: ${text.length} characters > ${max}`);
}

function checkPlain(problems: string[], where: string, t: unknown, max: number): void {
  checkText(problems, where, t, max);
  if (isRecord(t) && t.type !== "plain_text") problems.push(`${where}: must be plain_text`);
}

function checkBlock(problems: string[], where: string, b: Json): void {
  switch (b.type) {
    case "section": {
      if (b.text !== undefined) checkText(problems, `${where} text`, b.text, 3000);
      const fields = arr(b.fields);
      if (fields.length > 10) problems.push(`${where}: ${fields.length} fields > 10`);
      fields.forEach((f, i) => checkText(problems, `${where} field ${i}`, f, 2000));
      if (b.text === undefined && fields.length === 0) problems.push(`${where}: section without text or fields`);
      if (isRecord(b.accessory)) checkElement(problems, `${where} accessory`, b.accessory);
      break;
    }
    case "header":
      checkPlain(problems, `${where} header`, b.text, 150);
      break;
    case "context": {
      const els = arr(b.elements);
      if (els.length === 0 || els.length > 10) problems.push(`${where}: ${els.length} context elements`);
      els.forEach((e, i) => checkText(problems, `${where} element ${i}`, e, 3000));
      break;
    }
    case "actions": {
      const els = arr(b.elements);
      if (els.length === 0 || els.length > 25) problems.push(`${where}: ${els.length} action elements`);
      const ids = new Set<string>();
      els.forEach((e, i) => {
        if (!isRecord(e)) return;
        const id = str(e.action_id);
        if (id !== undefined) {
          if (ids.has(id)) problems.push(`${where}: duplicate action_id ${id} in one block`);
          ids.add(id);
        }
        checkElement(problems, `${where} element ${i}`, e);
      });
      break;
    }
    case "input":
      checkPlain(problems, `${where} label`, b.label, 2000);
      if (b.hint !== undefined) checkPlain(problems, `${where} hint`, b.hint, 2000);
      if (!isRecord(b.element)) problems.push(`${where}: input without element`);
      else checkElement(problems, `${where} element`, b.element);
      break;
    case "divider":
      break;
    default:
      problems.push(`${where}: unexpected block type ${String(b.type)}`);
  }
}

function checkOptions(problems: string[], where: string, options: unknown[], max: number): void {
  if (options.length === 0) problems.push(`${where}: no options`);
  if (options.length > max) problems.push(`${where}: ${options.length} options > ${max}`);
  const values = new Set<string>();
  options.forEach((o, i) => {
    if (!isRecord(o)) return void problems.push(`${where} option ${i}: not an object`);
    checkText(problems, `${where} option ${i} text`, o.text, 75);
    if (o.description !== undefined) checkText(problems, `${where} option ${i} description`, o.description, 75);
    const v = str(o.value);
    if (v === undefined || v.length === 0 || v.length > 150) problems.push(`${where} option ${i}: bad value`);
    else if (values.has(v)) problems.push(`${where}: duplicate option value ${v}`);
    else values.add(v);
  });
}

function checkElement(problems: string[], where: string, e: Json): void {
  const id = str(e.action_id);
  if (id !== undefined && id.length > 255) problems.push(`${where}: action_id > 255`);
  if (e.placeholder !== undefined) checkPlain(problems, `${where} placeholder`, e.placeholder, 150);
  const all: unknown[] = [];
  switch (e.type) {
    case "button":
      checkPlain(problems, `${where} text`, e.text, 75);
      if (str(e.value) !== undefined && (str(e.value) ?? "").length > 2000) problems.push(`${where}: value > 2000`);
      if (isRecord(e.confirm)) {
        checkPlain(problems, `${where} confirm title`, e.confirm.title, 100);
        checkText(problems, `${where} confirm text`, e.confirm.text, 300);
        checkPlain(problems, `${where} confirm confirm`, e.confirm.confirm, 30);
        checkPlain(problems, `${where} confirm deny`, e.confirm.deny, 30);
      }
      return;
    case "radio_buttons":
      checkOptions(problems, where, arr(e.options), 10);
      all.push(...arr(e.options));
      break;
    case "checkboxes":
      checkOptions(problems, where, arr(e.options), 10);
      all.push(...arr(e.options));
      break;
    case "static_select":
    case "multi_static_select": {
      if (e.options !== undefined && e.option_groups !== undefined) problems.push(`${where}: both options and option_groups`);
      if (e.options !== undefined) {
        checkOptions(problems, where, arr(e.options), 100);
        all.push(...arr(e.options));
      } else {
        const groups = arr(e.option_groups);
        if (groups.length === 0 || groups.length > 100) problems.push(`${where}: ${groups.length} option groups`);
        groups.forEach((g, i) => {
          if (!isRecord(g)) return;
          checkPlain(problems, `${where} group ${i} label`, g.label, 75);
          checkOptions(problems, `${where} group ${i}`, arr(g.options), 100);
          all.push(...arr(g.options));
        });
      }
      break;
    }
    case "plain_text_input": {
      const max = e.max_length;
      if (typeof max === "number" && (max < 1 || max > 3000)) problems.push(`${where}: max_length ${max}`);
      const init = str(e.initial_value);
      if (init !== undefined && typeof max === "number" && init.length > max) problems.push(`${where}: initial_value longer than max_length`);
      return;
    }
    case "datepicker": {
      const d = str(e.initial_date);
      if (d !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(d)) problems.push(`${where}: initial_date ${d}`);
      return;
    }
    case "number_input":
      if (typeof e.is_decimal_allowed !== "boolean") problems.push(`${where}: is_decimal_allowed missing`);
      return;
    default:
      problems.push(`${where}: unexpected element type ${String(e.type)}`);
      return;
  }
  // Initial options must be exactly equal to offered options.
  const initial = e.initial_option !== undefined ? [e.initial_option] : arr(e.initial_options);
  initial.forEach((o, i) => {
    if (!all.some((x) => isDeepStrictEqual(x, o))) problems.push(`${where}: initial option ${i} is not exactly one of the options`);
  });
}

/** Every mrkdwn string in a payload (section text, fields, context), for escaping checks. */
export function mrkdwnStrings(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!isRecord(x)) return;
    if (x.type === "mrkdwn" && typeof x.text === "string") out.push(x.text);
    for (const v of Object.values(x)) walk(v);
  };
  walk(payload);
  return out;
}

/** Every plain_text string in a payload. */
export function plainStrings(payload: unknown): string[] {
  const out: string[] = [];
  const walk = (x: unknown): void => {
    if (Array.isArray(x)) return x.forEach(walk);
    if (!isRecord(x)) return;
    if (x.type === "plain_text" && typeof x.text === "string") out.push(x.text);
    for (const v of Object.values(x)) walk(v);
  };
  walk(payload);
  return out;
}

/**
 * Control sequences in mrkdwn that we did not put there on purpose: anything in < > other
 * than a user mention of a real id and a date token. [] means no injected mention or link.
 */
export function unexpectedControls(payload: unknown): string[] {
  const found: string[] = [];
  for (const text of mrkdwnStrings(payload)) {
    for (const m of text.matchAll(/<[^>]*>/g)) {
      const token = m[0];
      if (/^<@[UW][A-Z0-9]{2,}>$/.test(token) || /^<!date\^\d+\^\{date_short_pretty\} \{time\}\|[0-9T:\-Z]+>$/.test(token)) continue;
      found.push(token);
    }
    if (/&(?!amp;|lt;|gt;)/.test(text)) found.push(`bare & in ${text.slice(0, 60)}`);
  }
  return found;
}
