// The sandbox page's mrkdwn parser (src/sandbox/web/mrkdwn.js, served to the browser as is):
// Slack's formatting becomes tokens, and escaped user text stays text.
import { describe, expect, it } from "vitest";
import { formatSlackDate, parseMrkdwn, type InlineToken } from "../../src/sandbox/web/mrkdwn.js";

/** The tokens of a one-paragraph text. */
function line(text: string): InlineToken[] {
  const blocks = parseMrkdwn(text);
  expect(blocks).toHaveLength(1);
  return blocks[0]?.children ?? [];
}

describe("parseMrkdwn", () => {
  it("understands bold, italic, strike and code, also nested", () => {
    expect(line("*Tier* _high_ ~old~ `/screening status`")).toEqual([
      { type: "bold", children: [{ type: "text", text: "Tier" }] },
      { type: "text", text: " " },
      { type: "italic", children: [{ type: "text", text: "high" }] },
      { type: "text", text: " " },
      { type: "strike", children: [{ type: "text", text: "old" }] },
      { type: "text", text: " " },
      { type: "code", text: "/screening status" },
    ]);
    expect(line("*bold _and italic_*")).toEqual([
      { type: "bold", children: [{ type: "text", text: "bold " }, { type: "italic", children: [{ type: "text", text: "and italic" }] }] },
    ]);
  });

  it("leaves markers inside words and unclosed markers alone", () => {
    expect(line("snake_case_name 2*3*4 a * b")).toEqual([{ type: "text", text: "snake_case_name 2*3*4 a * b" }]);
  });

  it("decodes &amp; &lt; &gt; for display only, once", () => {
    expect(line("&lt;b&gt;bold?&lt;/b&gt; &amp; &amp;lt;")).toEqual([{ type: "text", text: "<b>bold?</b> & &lt;" }]);
  });

  it("turns Slack's <…> sequences into mentions, dates and links, and anything else into text", () => {
    const tokens = line("<@U0APPROVER1> <!here> <#C0SANDBOXCOMPLIANCE|export-compliance> <!date^0^{date_num}|1970-01-01T00:00:00Z> <https://example.com/a?b=1&amp;c=2|guide> <javascript:alert(1)|click>");
    expect(tokens.filter((t) => t.type !== "text" || t.text.trim() !== "")).toEqual([
      { type: "mention", user: "U0APPROVER1", label: undefined, source: "<@U0APPROVER1>" },
      { type: "broadcast", label: "@here", source: "<!here>" },
      { type: "channel", id: "C0SANDBOXCOMPLIANCE", label: "export-compliance", source: "<#C0SANDBOXCOMPLIANCE|export-compliance>" },
      { type: "date", text: expect.stringMatching(/^19(69-12-31|70-01-01)$/), source: "<!date^0^{date_num}|1970-01-01T00:00:00Z>" },
      { type: "link", url: "https://example.com/a?b=1&c=2", children: [{ type: "text", text: "guide" }], source: "<https://example.com/a?b=1&amp;c=2|guide>" },
      { type: "text", text: "<javascript:alert(1)|click>", source: "<javascript:alert(1)|click>" },
    ]);
  });

  it("formats across tokens: *Approved by <@U1>*", () => {
    expect(line("*Approved by <@U0APPROVER1>*")).toEqual([
      { type: "bold", children: [{ type: "text", text: "Approved by " }, { type: "mention", user: "U0APPROVER1", label: undefined, source: "<@U0APPROVER1>" }] },
    ]);
  });

  it("keeps code literal", () => {
    expect(line("`*not bold* <@U1>`")).toEqual([{ type: "code", text: "*not bold* <@U1>" }]);
  });

  it("quotes lines starting with >, but not an escaped &gt; someone typed", () => {
    expect(parseMrkdwn("*Rationale*\n>first\n>second\n&gt; typed")).toEqual([
      { type: "paragraph", children: [{ type: "bold", children: [{ type: "text", text: "Rationale" }] }] },
      { type: "quote", children: [{ type: "text", text: "first" }, { type: "br" }, { type: "text", text: "second" }] },
      { type: "paragraph", children: [{ type: "text", text: "> typed" }] },
    ]);
  });

  it("does not let private-use characters in the text pose as a token", () => {
    expect(line("\uE000 <@U0APPROVER1>")).toEqual([
      { type: "text", text: "\uFFFD " },
      { type: "mention", user: "U0APPROVER1", label: undefined, source: "<@U0APPROVER1>" },
    ]);
  });

  it("shows emoji codes it knows and leaves others as typed", () => {
    expect(line(":white_check_mark: done :not_an_emoji:")).toEqual([{ type: "text", text: "\u2705 done :not_an_emoji:" }]);
  });
});

describe("formatSlackDate", () => {
  const now = new Date(2026, 2, 5, 12, 0, 0);
  it("says today/yesterday for the pretty formats and falls back for unknown tokens", () => {
    const todaySeconds = new Date(2026, 2, 5, 9, 7, 0).getTime() / 1000;
    expect(formatSlackDate(todaySeconds, "{date_short_pretty} {time}", "fallback", now)).toBe("today 09:07");
    expect(formatSlackDate(todaySeconds - 86_400, "{date_short_pretty}", "fallback", now)).toBe("yesterday");
    expect(formatSlackDate(new Date(2026, 0, 2).getTime() / 1000, "{date_short}", "fallback", now)).toBe("Jan 2, 2026");
    expect(formatSlackDate(todaySeconds, "{ago}", "fallback", now)).toBe("fallback");
  });
});
