import type { InputBlock, SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import { buildReplyModal, buildThreadReply, quotedChunks } from "../../../src/slack/blocks/reply.js";
import { ACTION, BLOCK, CALLBACK } from "../../../src/slack/ids.js";
import { parseReplyMetadata, parseReplyText } from "../../../src/slack/parse/reply.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, INJECTION_ESCAPED, REQUESTER, SCREENING_ID } from "./fixtures.js";

describe("buildReplyModal", () => {
  const view = buildReplyModal({ screeningId: SCREENING_ID });

  it("is a modal with one required multiline input, 'Your reply to compliance', capped at 3000 characters", () => {
    expect(view.callback_id).toBe(CALLBACK.reply);
    const inputs = view.blocks.filter((b): b is InputBlock => b.type === "input");
    expect(inputs).toHaveLength(1);
    const [input] = inputs;
    expect(input?.block_id).toBe(BLOCK.reply);
    expect(input?.optional).toBeUndefined();
    expect(input?.label.text).toBe("Your reply to compliance");
    expect(input?.element).toMatchObject({ type: "plain_text_input", action_id: ACTION.replyText, multiline: true, max_length: 3000 });
    expect(view.submit?.text).toBe("Send reply");
    expect(blockKitProblems("modal", view)).toEqual([]);
  });

  it("carries the screening id in metadata the listener reads back", () => {
    expect(parseReplyMetadata(view.private_metadata)).toEqual({ screeningId: SCREENING_ID });
    expect(parseReplyMetadata('{"s":"not-a-uuid"}')).toBeUndefined();
    expect(parseReplyMetadata('{"s":"' + SCREENING_ID + '","x":1}')).toBeUndefined();
    expect(parseReplyMetadata("{")).toBeUndefined();
  });

  it("reads the typed text from state values, and nothing from a malformed state", () => {
    expect(parseReplyText({ [BLOCK.reply]: { [ACTION.replyText]: { type: "plain_text_input", value: "The police cyber unit." } } })).toBe("The police cyber unit.");
    expect(parseReplyText({ [BLOCK.reply]: { [ACTION.replyText]: { type: "plain_text_input", value: null } } })).toBeUndefined();
    expect(parseReplyText({})).toBeUndefined();
    expect(parseReplyText("nonsense")).toBeUndefined();
  });
});

describe("buildThreadReply", () => {
  it("attributes the reply to the requester with a mention and quotes the text, escaped", () => {
    const msg = buildThreadReply({ reference: "DD-2026-0007", requesterId: REQUESTER, text: `Units 3 and 4.\n${INJECTION}` });
    const text = mrkdwnStrings(msg).join("\n");
    expect(text).toContain(`<@${REQUESTER}> replied on *DD-2026-0007*:`);
    expect(text).toContain(`>Units 3 and 4.\n>${INJECTION_ESCAPED}`);
    expect(msg.text).toContain(`<@${REQUESTER}>`);
    expect(msg.text).toContain(INJECTION_ESCAPED);
    expect(JSON.stringify(msg)).not.toContain("<!channel>");
    expect(unexpectedControls(msg)).toEqual([]);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("never mentions anyone through a requester id that is not a Slack user id", () => {
    const msg = buildThreadReply({ reference: "DD-2026-0007", requesterId: "<!here>", text: "hi" });
    expect(unexpectedControls(msg)).toEqual([]);
  });

  it("keeps every character of a 3000-character reply that escaping makes five times longer, within Slack's limits", () => {
    const raw = `${"&".repeat(1500)}\n${"<".repeat(1499)}`;
    const msg = buildThreadReply({ reference: "DD-2026-0007", requesterId: REQUESTER, text: raw });
    expect(msg.blocks.length).toBeGreaterThan(1);
    expect(blockKitProblems("message", msg)).toEqual([]);
    expect(unexpectedControls(msg)).toEqual([]);
    const all = mrkdwnStrings(msg).join("\n");
    expect(all.match(/&amp;/g)).toHaveLength(1500);
    expect(all.match(/&lt;/g)).toHaveLength(1499);
  });
});

describe("quotedChunks", () => {
  it("splits between escapes, never inside one, each chunk a block quote of at most max characters", () => {
    const chunks = quotedChunks("a&b<c>d\ne", 8);
    for (const c of chunks) {
      expect(c.length).toBeLessThanOrEqual(8);
      expect(c.startsWith(">")).toBe(true);
      expect(c).not.toMatch(/&(?!amp;|lt;|gt;)/);
    }
    expect(chunks).toEqual([">a&amp;b", ">&lt;c", ">&gt;d", ">e"]);
  });

  it("gives one quote for an empty text", () => {
    expect(quotedChunks("", 100)).toEqual([">"]);
  });
});
