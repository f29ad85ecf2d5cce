// checkBlockKitLimits: for each limit, one payload just inside it (accepted) and one just past
// it (refused with a message naming the limit and where it is).
import { describe, expect, it } from "vitest";
import { BLOCK_KIT_LIMITS, checkBlockKitLimits, limitViolations, type Surface } from "../../src/sandbox/block-kit-limits.js";

const plain = (text: string) => ({ type: "plain_text", text });
const mrkdwn = (text: string) => ({ type: "mrkdwn", text });
const x = (n: number) => "x".repeat(n);
const option = (value: string, text = value) => ({ text: plain(text), value });
const options = (n: number) => Array.from({ length: n }, (_, i) => option(`v${i}`));
const section = (text = "hello", extra: Record<string, unknown> = {}) => ({ type: "section", text: mrkdwn(text), ...extra });
const input = (blockId: string, element: Record<string, unknown>) => ({ type: "input", block_id: blockId, label: plain("Label"), element });
const button = (actionId: string, extra: Record<string, unknown> = {}) => ({ type: "button", action_id: actionId, text: plain("Go"), ...extra });

function modal(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { type: "modal", callback_id: "cb", title: plain("Screening"), submit: plain("Next"), close: plain("Cancel"), blocks: [section()], ...overrides };
}
const home = (overrides: Record<string, unknown> = {}) => ({ type: "home", blocks: [section()], ...overrides });
const message = (overrides: Record<string, unknown> = {}) => ({ text: "fallback", blocks: [section()], ...overrides });
const modalWith = (...blocks: unknown[]) => modal({ blocks });

interface Case {
  limit: string;
  surface: Surface;
  ok: unknown;
  bad: unknown;
  /** words the problem line must contain */
  says: string;
  /** JSON pointer of the problem */
  at: string;
}

const cases: Case[] = [
  { limit: "modal title ≤ 24", surface: "modal", ok: modal({ title: plain(x(24)) }), bad: modal({ title: plain(x(25)) }), says: "at most 24", at: "/title/text" },
  { limit: "modal title is plain_text", surface: "modal", ok: modal(), bad: modal({ title: mrkdwn("Screening") }), says: "must be plain_text", at: "/title/type" },
  { limit: "modal title is required", surface: "modal", ok: modal(), bad: modal({ title: undefined }), says: "modal title is required", at: "/title" },
  { limit: "modal submit ≤ 24", surface: "modal", ok: modal({ submit: plain(x(24)) }), bad: modal({ submit: plain(x(25)) }), says: "modal submit button must be at most 24", at: "/submit/text" },
  { limit: "modal close ≤ 24", surface: "modal", ok: modal({ close: plain(x(24)) }), bad: modal({ close: plain(x(25)) }), says: "modal close button must be at most 24", at: "/close/text" },
  {
    limit: "submit required with an input block",
    surface: "modal",
    ok: modalWith(input("b1", { type: "plain_text_input", action_id: "a" })),
    bad: modal({ submit: undefined, blocks: [input("b1", { type: "plain_text_input", action_id: "a" })] }),
    says: "submit button is required",
    at: "/submit",
  },
  { limit: "≤ 100 blocks per modal", surface: "modal", ok: modal({ blocks: Array.from({ length: 100 }, () => ({ type: "divider" })) }), bad: modal({ blocks: Array.from({ length: 101 }, () => ({ type: "divider" })) }), says: "at most 100 blocks", at: "/blocks" },
  { limit: "≤ 100 blocks per Home tab", surface: "home", ok: home({ blocks: Array.from({ length: 100 }, () => ({ type: "divider" })) }), bad: home({ blocks: Array.from({ length: 101 }, () => ({ type: "divider" })) }), says: "at most 100 blocks are allowed in a Home tab", at: "/blocks" },
  { limit: "≤ 50 blocks per message", surface: "message", ok: message({ blocks: Array.from({ length: 50 }, () => ({ type: "divider" })) }), bad: message({ blocks: Array.from({ length: 51 }, () => ({ type: "divider" })) }), says: "at most 50 blocks", at: "/blocks" },
  { limit: "section text ≤ 3000", surface: "message", ok: message({ blocks: [section(x(3000))] }), bad: message({ blocks: [section(x(3001))] }), says: "section text must be at most 3000", at: "/blocks/0/text/text" },
  {
    limit: "≤ 10 section fields",
    surface: "message",
    ok: message({ blocks: [{ type: "section", fields: Array.from({ length: 10 }, () => mrkdwn("f")) }] }),
    bad: message({ blocks: [{ type: "section", fields: Array.from({ length: 11 }, () => mrkdwn("f")) }] }),
    says: "at most 10 fields",
    at: "/blocks/0/fields",
  },
  {
    limit: "section field ≤ 2000",
    surface: "message",
    ok: message({ blocks: [{ type: "section", fields: [mrkdwn(x(2000))] }] }),
    bad: message({ blocks: [{ type: "section", fields: [mrkdwn(x(2001))] }] }),
    says: "section field must be at most 2000",
    at: "/blocks/0/fields/0/text",
  },
  {
    limit: "static_select ≤ 100 options",
    surface: "modal",
    ok: modalWith(input("b", { type: "static_select", action_id: "a", options: options(100) })),
    bad: modalWith(input("b", { type: "static_select", action_id: "a", options: options(101) })),
    says: "at most 100 options",
    at: "/blocks/0/element/options",
  },
  {
    limit: "option text ≤ 75",
    surface: "modal",
    ok: modalWith(input("b", { type: "static_select", action_id: "a", options: [option("v", x(75))] })),
    bad: modalWith(input("b", { type: "static_select", action_id: "a", options: [option("v", x(76))] })),
    says: "option text must be at most 75",
    at: "/blocks/0/element/options/0/text/text",
  },
  {
    limit: "option text ≤ 75 inside option groups",
    surface: "modal",
    ok: modalWith(input("b", { type: "static_select", action_id: "a", option_groups: [{ label: plain("G"), options: [option("v", x(75))] }] })),
    bad: modalWith(input("b", { type: "static_select", action_id: "a", option_groups: [{ label: plain("G"), options: [option("v", x(76))] }] })),
    says: "option text must be at most 75",
    at: "/blocks/0/element/option_groups/0/options/0/text/text",
  },
  {
    limit: "plain_text_input max_length ≤ 3000",
    surface: "modal",
    ok: modalWith(input("b", { type: "plain_text_input", action_id: "a", max_length: 3000 })),
    bad: modalWith(input("b", { type: "plain_text_input", action_id: "a", max_length: 3001 })),
    says: "max_length must be an integer from 1 to 3000",
    at: "/blocks/0/element/max_length",
  },
  {
    limit: "actions ≤ 25 elements",
    surface: "message",
    ok: message({ blocks: [{ type: "actions", elements: Array.from({ length: 25 }, (_, i) => button(`a${i}`)) }] }),
    bad: message({ blocks: [{ type: "actions", elements: Array.from({ length: 26 }, (_, i) => button(`a${i}`)) }] }),
    says: "at most 25 elements",
    at: "/blocks/0/elements",
  },
  { limit: "block_id ≤ 255", surface: "modal", ok: modalWith(section("s", { block_id: x(255) })), bad: modalWith(section("s", { block_id: x(256) })), says: "block_id must be at most 255", at: "/blocks/0/block_id" },
  {
    limit: "action_id ≤ 255",
    surface: "modal",
    ok: modalWith(input("b", { type: "plain_text_input", action_id: x(255) })),
    bad: modalWith(input("b", { type: "plain_text_input", action_id: x(256) })),
    says: "action_id must be at most 255",
    at: "/blocks/0/element/action_id",
  },
  {
    limit: "block_id unique within a view",
    surface: "modal",
    ok: modalWith(section("a", { block_id: "one" }), section("b", { block_id: "two" })),
    bad: modalWith(section("a", { block_id: "one" }), section("b", { block_id: "one" })),
    says: 'block_id "one" must be unique',
    at: "/blocks/1/block_id",
  },
  {
    limit: "action_id unique within its block",
    surface: "message",
    ok: message({ blocks: [{ type: "actions", elements: [button("a"), button("b")] }] }),
    bad: message({ blocks: [{ type: "actions", elements: [button("a"), button("a")] }] }),
    says: 'action_id "a" must be unique within its block',
    at: "/blocks/0/elements/1/action_id",
  },
  { limit: "private_metadata ≤ 3000", surface: "modal", ok: modal({ private_metadata: x(3000) }), bad: modal({ private_metadata: x(3001) }), says: "private_metadata must be at most 3000", at: "/private_metadata" },
  { limit: "callback_id ≤ 255", surface: "modal", ok: modal({ callback_id: x(255) }), bad: modal({ callback_id: x(256) }), says: "callback_id must be at most 255", at: "/callback_id" },
  {
    limit: "view JSON ≤ 250 kB",
    surface: "home",
    // 90 sections of 2900 characters: about 270 kB, every block within its own limits.
    ok: home({ blocks: Array.from({ length: 80 }, () => section(x(2900))) }),
    bad: home({ blocks: Array.from({ length: 90 }, () => section(x(2900))) }),
    says: "at most 250000 bytes",
    at: "",
  },
  {
    limit: "header text ≤ 150",
    surface: "message",
    ok: message({ blocks: [{ type: "header", text: plain(x(150)) }] }),
    bad: message({ blocks: [{ type: "header", text: plain(x(151)) }] }),
    says: "header text must be at most 150",
    at: "/blocks/0/text/text",
  },
  { limit: "mrkdwn text non-empty", surface: "message", ok: message({ blocks: [section("a")] }), bad: message({ blocks: [section("")] }), says: "mrkdwn text must not be empty", at: "/blocks/0/text/text" },
  {
    limit: "plain_text non-empty",
    surface: "modal",
    ok: modalWith(input("b", { type: "plain_text_input", action_id: "a", placeholder: plain("Type") })),
    bad: modalWith(input("b", { type: "plain_text_input", action_id: "a", placeholder: plain("") })),
    says: "plain_text text must not be empty",
    at: "/blocks/0/element/placeholder/text",
  },
  { limit: "message text ≤ 40000", surface: "message", ok: message({ text: x(40_000) }), bad: message({ text: x(40_001) }), says: "message text must be at most 40000", at: "/text" },
  {
    limit: "context ≤ 10 elements",
    surface: "message",
    ok: message({ blocks: [{ type: "context", elements: Array.from({ length: 10 }, () => mrkdwn("c")) }] }),
    bad: message({ blocks: [{ type: "context", elements: Array.from({ length: 11 }, () => mrkdwn("c")) }] }),
    says: "at most 10 elements",
    at: "/blocks/0/elements",
  },
  {
    limit: "radio_buttons ≤ 10 options",
    surface: "modal",
    ok: modalWith(input("b", { type: "radio_buttons", action_id: "a", options: options(10) })),
    bad: modalWith(input("b", { type: "radio_buttons", action_id: "a", options: options(11) })),
    says: "radio_buttons has at most 10 options",
    at: "/blocks/0/element/options",
  },
  {
    limit: "button text ≤ 75",
    surface: "message",
    ok: message({ blocks: [{ type: "actions", elements: [button("a", { text: plain(x(75)) })] }] }),
    bad: message({ blocks: [{ type: "actions", elements: [button("a", { text: plain(x(76)) })] }] }),
    says: "button text must be at most 75",
    at: "/blocks/0/elements/0/text/text",
  },
  {
    limit: "initial_option is one of the options",
    surface: "modal",
    ok: modalWith(input("b", { type: "radio_buttons", action_id: "a", options: [option("yes"), option("no")], initial_option: option("no") })),
    bad: modalWith(input("b", { type: "radio_buttons", action_id: "a", options: [option("yes"), option("no")], initial_option: option("no", "No!") })),
    says: "initial_option must be exactly one of the options",
    at: "/blocks/0/element/initial_option",
  },
];

describe("checkBlockKitLimits", () => {
  it.each(cases)("$limit: accepts the payload at the limit", ({ surface, ok }) => {
    expect(checkBlockKitLimits(surface, ok)).toEqual([]);
  });

  it.each(cases)("$limit: refuses the payload past it, naming the limit and where", ({ surface, bad, says, at }) => {
    const problems = checkBlockKitLimits(surface, bad);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.some((p) => p.includes(says) && p.endsWith(`[json-pointer:${at}]`)), problems.join("\n")).toBe(true);
  });

  it("reports every broken limit at once, not only the first", () => {
    const problems = limitViolations("modal", modal({ title: plain(x(30)), callback_id: x(300), blocks: [section(x(3001))] }));
    expect(problems.map((p) => p.pointer)).toEqual(expect.arrayContaining(["/title/text", "/callback_id", "/blocks/0/text/text"]));
  });

  it("checks what Slack receives: fields left undefined are not sent", () => {
    expect(checkBlockKitLimits("modal", modal({ close: undefined, private_metadata: undefined }))).toEqual([]);
  });

  it("lets unknown block and element types through (Slack keeps adding them)", () => {
    expect(checkBlockKitLimits("message", message({ blocks: [{ type: "rich_text", elements: [] }, { type: "actions", elements: [{ type: "workflow_button", action_id: "w", text: plain("Run") }] }] }))).toEqual([]);
  });

  it("refuses what is not an object", () => {
    expect(checkBlockKitLimits("modal", "nope")).toEqual(["view must be a JSON object [json-pointer:]"]);
    expect(checkBlockKitLimits("message", [1])).toEqual(["message must be a JSON object [json-pointer:]"]);
  });

  it("publishes the numbers it enforces", () => {
    expect(BLOCK_KIT_LIMITS).toMatchObject({ modalText: 24, viewBlocks: 100, messageBlocks: 50, sectionText: 3000, selectOptions: 100, optionText: 75, privateMetadata: 3000, viewBytes: 250_000 });
  });
});
