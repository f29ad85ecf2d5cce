import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { escapeMrkdwn, mrkdwn, packLines, plainOption, plainText, safeMrkdwn, slackDate, truncate, userMention } from "../../../src/slack/blocks/text.js";
import { INJECTION, INJECTION_ESCAPED } from "./fixtures.js";

describe("escapeMrkdwn", () => {
  it("escapes only &, < and >", () => {
    expect(escapeMrkdwn(INJECTION)).toBe(INJECTION_ESCAPED);
    expect(escapeMrkdwn("*bold* _it_ `code` ~s~ \"q\" 'a'")).toBe("*bold* _it_ `code` ~s~ \"q\" 'a'");
    expect(escapeMrkdwn("&amp;")).toBe("&amp;amp;");
  });

  it("never leaves a < or > in its output", () => {
    fc.assert(fc.property(fc.string(), (s) => !/[<>]/.test(escapeMrkdwn(s))));
  });
});

describe("truncate", () => {
  it("keeps short text and cuts long text to the limit with an ellipsis", () => {
    expect(truncate("abc", 3)).toBe("abc");
    expect(truncate("abcdef", 4)).toBe("abc…");
    expect(truncate("abcdef", 1)).toBe("…");
  });

  it("never splits a surrogate pair or leaves half an entity", () => {
    expect(truncate("ab😀cd", 4)).toBe("ab…");
    expect(truncate("a &amp; b", 5)).toBe("a …");
    expect(truncate(escapeMrkdwn("x<y"), 4)).toBe("x…");
  });

  it("is always within the limit", () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), fc.integer({ min: 1, max: 100 }), (s, max) => truncate(s, max).length <= max));
  });
});

describe("text objects", () => {
  it("shortens plain_text and mrkdwn to their limits and never sends empty text", () => {
    expect(plainText("x".repeat(30), 24).text).toHaveLength(24);
    expect(plainText("").text).not.toBe("");
    expect(mrkdwn("y".repeat(4000)).text).toHaveLength(3000);
    expect(safeMrkdwn("<".repeat(2000), 3000).length).toBeLessThanOrEqual(3000);
  });

  it("builds options within Slack's 75-character text and description limits", () => {
    const o = plainOption("v", "l".repeat(100), "d".repeat(150));
    expect(o.text.text.length).toBeLessThanOrEqual(75);
    expect(o.description?.text.length).toBeLessThanOrEqual(75);
    expect(o.text.type).toBe("plain_text");
  });
});

describe("userMention", () => {
  it("mentions real Slack user ids only", () => {
    expect(userMention("U012ABC")).toBe("<@U012ABC>");
    expect(userMention("W012ABC")).toBe("<@W012ABC>");
    expect(userMention("<!channel>")).toBe("&lt;!channel&gt;");
    expect(userMention("U1")).toBe("U1");
    expect(userMention("u012abc")).toBe("u012abc");
  });
});

describe("slackDate", () => {
  it("renders a date token with an ISO fallback", () => {
    expect(slackDate(new Date("2026-03-03T10:00:00Z"))).toBe("<!date^1772532000^{date_short_pretty} {time}|2026-03-03T10:00:00Z>");
  });
});

describe("packLines", () => {
  it("packs lines into chunks within the limit without losing any", () => {
    const lines = Array.from({ length: 50 }, (_, i) => `line ${i} ${"z".repeat(100)}`);
    const chunks = packLines(lines, 1000);
    expect(chunks.every((c) => c.length <= 1000)).toBe(true);
    expect(chunks.join("\n")).toBe(lines.join("\n"));
  });
});
