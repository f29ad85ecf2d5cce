import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDecisionMetadata, parsePageMetadata, parseReviewMetadata } from "../../../src/slack/parse/metadata.js";

const S = "0b9f6c1e-3c1a-4d2e-9f00-1234567890ab";

describe("parsePageMetadata", () => {
  it("reads the screening and page ids", () => {
    expect(parsePageMetadata(JSON.stringify({ s: S, p: "transaction" }))).toEqual({ screeningId: S, pageId: "transaction" });
  });

  it("reads the step count the page showed, and old metadata without it", () => {
    expect(parsePageMetadata(JSON.stringify({ s: S, p: "transaction", n: 9 }))).toEqual({ screeningId: S, pageId: "transaction", stepCount: 9 });
    expect(parsePageMetadata(JSON.stringify({ s: S, p: "transaction" }))).toEqual({ screeningId: S, pageId: "transaction" });
  });

  it("drops a malformed step count but still reads the form", () => {
    for (const n of [0, -1, 2.5, "4", null, 1e9, { x: 1 }]) {
      expect(parsePageMetadata(JSON.stringify({ s: S, p: "transaction", n }))).toEqual({ screeningId: S, pageId: "transaction" });
    }
  });

  it("rejects anything else", () => {
    for (const raw of [
      undefined,
      null,
      42,
      "",
      "not json",
      JSON.stringify({ s: S }),
      JSON.stringify({ s: "not-a-uuid", p: "transaction" }),
      JSON.stringify({ s: S, p: "Bad Id" }),
      JSON.stringify({ s: S, p: "transaction", extra: 1 }),
      JSON.stringify([S, "transaction"]),
      JSON.stringify({ s: S, p: "transaction", pad: "x".repeat(3000) }),
    ]) {
      expect(parsePageMetadata(raw)).toBeUndefined();
    }
  });
});

describe("parseReviewMetadata", () => {
  it("reads the screening id, and does not take a page's metadata for a review's", () => {
    expect(parseReviewMetadata(JSON.stringify({ s: S }))).toEqual({ screeningId: S });
    expect(parseReviewMetadata(JSON.stringify({ s: S, p: "transaction" }))).toBeUndefined();
    expect(parsePageMetadata(JSON.stringify({ s: S }))).toBeUndefined();
  });
});

describe("parseDecisionMetadata", () => {
  it("reads the escalation id and a known outcome", () => {
    expect(parseDecisionMetadata(JSON.stringify({ e: S, o: "approve_with_conditions" }))).toEqual({ escalationId: S, outcome: "approve_with_conditions" });
  });

  it("rejects unknown outcomes and malformed ids", () => {
    expect(parseDecisionMetadata(JSON.stringify({ e: S, o: "approve_everything" }))).toBeUndefined();
    expect(parseDecisionMetadata(JSON.stringify({ e: "1; DROP TABLE", o: "approve" }))).toBeUndefined();
    expect(parseDecisionMetadata(JSON.stringify({ s: S, p: "x" }))).toBeUndefined();
  });
});

describe("metadata parsers", () => {
  it("never throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.json()), (raw) => {
        parsePageMetadata(raw);
        parseReviewMetadata(raw);
        parseDecisionMetadata(raw);
        return true;
      }),
    );
  });
});
