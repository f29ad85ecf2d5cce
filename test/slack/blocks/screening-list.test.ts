import { screeningIdOf } from "../../../src/domain/ids.js";
import type { SectionBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import type { ScreeningStatus } from "../../../src/domain/screening.js";
import { screeningButton } from "../../../src/slack/blocks/screening-buttons.js";
import { LIST_MAX, buildScreeningList } from "../../../src/slack/blocks/summaries.js";
import { ACTION } from "../../../src/slack/ids.js";
import { tinyRuleSet } from "../../support/tiny-rule-set.js";
import { blockKitProblems, mrkdwnStrings, unexpectedControls } from "./block-kit-limits.js";
import { INJECTION, screeningRecord } from "./fixtures.js";

const idOf = (i: number) => screeningIdOf(`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`);

describe("screeningButton", () => {
  it.each<[ScreeningStatus, string, string]>([
    ["draft", "Resume", `${ACTION.resume}:${idOf(1)}`],
    ["info_requested", "Resume", `${ACTION.resume}:${idOf(1)}`],
    ["escalated", "View", ACTION.viewAnswers],
    ["cleared", "View", ACTION.viewAnswers],
    ["approved", "View", ACTION.viewAnswers],
    ["rejected", "View", ACTION.viewAnswers],
  ])("%s → %s", (status, label, actionId) => {
    const button = screeningButton(screeningRecord({ id: idOf(1), status }));
    expect(button).toMatchObject({ type: "button", action_id: actionId, value: idOf(1), text: { type: "plain_text", text: label } });
  });
});

describe("buildScreeningList with buttons", () => {
  const ruleSet = tinyRuleSet();

  it("gives every screening its own section with Resume or View", () => {
    const records = [
      screeningRecord({ id: idOf(1), reference: "DD-2026-0001", status: "draft" }),
      screeningRecord({ id: idOf(2), reference: "DD-2026-0002", status: "info_requested", tier: "high" }),
      { ...screeningRecord({ id: idOf(3), reference: "DD-2026-0003", status: "escalated", tier: "high" }), item: INJECTION },
    ];
    const msg = buildScreeningList(ruleSet, records);
    const rows = msg.blocks.filter((b): b is SectionBlock => b.type === "section" && b.accessory !== undefined);
    expect(rows.map((r) => [r.text?.text.slice(0, 14), r.accessory && "text" in r.accessory ? r.accessory.text?.text : undefined])).toEqual([
      ["*DD-2026-0001*", "Resume"],
      ["*DD-2026-0002*", "Resume"],
      ["*DD-2026-0003*", "View"],
    ]);
    expect(rows[0]?.accessory).toMatchObject({ action_id: `${ACTION.resume}:${idOf(1)}`, value: idOf(1) });
    expect(rows[2]?.accessory).toMatchObject({ action_id: ACTION.viewAnswers, value: idOf(3) });
    expect(unexpectedControls(msg)).toEqual([]);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });

  it("shows the newest that fit in one message and counts the rest", () => {
    const records = Array.from({ length: 60 }, (_, i) => screeningRecord({ id: idOf(i), reference: `DD-2026-${String(i + 1).padStart(4, "0")}`, status: "cleared" }));
    const msg = buildScreeningList(ruleSet, records);
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    expect(msg.blocks.filter((b) => b.type === "section" && "accessory" in b)).toHaveLength(LIST_MAX);
    expect(mrkdwnStrings(msg).join("\n")).toContain(`…and ${60 - LIST_MAX} older ones`);
    expect(blockKitProblems("message", msg)).toEqual([]);
  });
});
