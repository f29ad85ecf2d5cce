import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buttonEscalationId, buttonScreeningId } from "../../../src/slack/parse/ids.js";
import { matchMetadata, parseMatchMetadata, parseMatchRef } from "../../../src/slack/parse/party-match.js";
import { parseReplyMetadata } from "../../../src/slack/parse/reply.js";

const S = "0b9f6c1e-3c1a-4d2e-9f00-1234567890ab";

describe("button values", () => {
  it("read an id, lower-cased, and nothing else", () => {
    expect(buttonScreeningId(S)).toBe(S);
    expect(buttonScreeningId(S.toUpperCase())).toBe(S);
    expect(buttonEscalationId(S)).toBe(S);
    for (const value of [undefined, null, 42, "", "new", "DD-2026-0001", `${S} `, `${S}|0|e`, S.slice(1)]) {
      expect(buttonScreeningId(value)).toBeNull();
      expect(buttonEscalationId(value)).toBeNull();
    }
  });
});

describe("parseMatchRef", () => {
  it("reads screening id|match number|entry id", () => {
    expect(parseMatchRef(`${S}|3|csl-123`)).toEqual({ screeningId: S, index: 3, entryId: "csl-123" });
    expect(parseMatchRef(`${S.toUpperCase()}|0|e`)).toEqual({ screeningId: S, index: 0, entryId: "e" });
  });

  it("rejects anything else", () => {
    for (const value of [undefined, 7, "", `${S}`, `${S}|`, `${S}||e`, `${S}|-1|e`, `${S}|1.5|e`, `${S}|1001|e`, `${S}|1|`, `not-an-id|1|e`, `${S}|1|${"e".repeat(400)}`]) {
      expect(parseMatchRef(value)).toBeUndefined();
    }
  });
});

describe("match-resolution metadata", () => {
  it("reads back what the modal carries", () => {
    const meta = matchMetadata({ screeningId: buttonScreeningId(S)!, index: 2, entryId: "csl-9", outcome: "not_same_party" });
    expect(parseMatchMetadata(meta)).toEqual({ screeningId: S, index: 2, entryId: "csl-9", outcome: "not_same_party" });
  });

  it("rejects a forged or foreign form", () => {
    for (const raw of [
      undefined,
      "",
      "{",
      JSON.stringify({ s: "x", i: 0, e: "e", o: "confirmed" }),
      JSON.stringify({ s: S, i: 0, e: "e", o: "approve" }),
      JSON.stringify({ s: S, i: -1, e: "e", o: "confirmed" }),
      JSON.stringify({ s: S, i: 0, e: "", o: "confirmed" }),
      JSON.stringify({ s: S, i: 0, e: "e", o: "confirmed", extra: 1 }),
    ]) {
      expect(parseMatchMetadata(raw)).toBeUndefined();
    }
  });

  it("the parsers never throw", () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), fc.string(), fc.json()), (raw) => {
        parseMatchRef(raw);
        parseMatchMetadata(raw);
        parseReplyMetadata(raw);
        buttonScreeningId(raw);
        return true;
      }),
    );
  });
});
