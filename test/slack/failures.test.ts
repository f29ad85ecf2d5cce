import { describe, expect, it } from "vitest";
import { refusalText } from "../../src/slack/failures.js";

describe("refusalText", () => {
  const message = "Only the hard-stop approvers can approve a hard stop under an authorisation. You can still reject it or request information.";
  it.each([
    [{ userIds: ["UHARD1"] }, `${message} To approve it, ask <@UHARD1>. Nothing was changed.`],
    [{ userIds: ["UHARD1", "WHARD2"], usergroupId: "SLEGAL" }, `${message} To approve it, ask <@UHARD1>, <@WHARD2> or a member of <!subteam^SLEGAL>. Nothing was changed.`],
    [{ userIds: ["<!channel>"] }, `${message} Nothing was changed.`],
  ])("names who may approve a hard stop: %j", (approvers, expected) => {
    expect(refusalText({ code: "not_hard_stop_approver", message, approvers })).toBe(expected);
  });
});
