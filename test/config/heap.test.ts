import { describe, expect, it } from "vitest";
import { heapWarning } from "../../src/config/heap.js";

const MB = 1048576;

describe("heapWarning (the start's check of V8's heap limit)", () => {
  it("says nothing while the heap is at most half its limit", () => {
    expect(heapWarning({ usedBytes: 70 * MB, limitBytes: 256 * MB })).toBeUndefined();
    expect(heapWarning({ usedBytes: 128 * MB, limitBytes: 256 * MB })).toBeUndefined();
  });

  it("warns past half, with both figures and what to change", () => {
    const warning = heapWarning({ usedBytes: 190 * MB, limitBytes: 256 * MB });
    expect(warning).toContain("190 MB of its 256 MB heap limit");
    expect(warning).toContain("--max-old-space-size in package.json's start script");
  });

  it("ignores a missing limit", () => {
    expect(heapWarning({ usedBytes: 190 * MB, limitBytes: 0 })).toBeUndefined();
  });
});
