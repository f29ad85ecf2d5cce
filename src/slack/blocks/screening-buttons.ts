// The one button a listed screening carries, in /screening list and on the Home tab: Resume
// while the requester can still change it, View (its answers, the View answers modal) once it
// is submitted. Pure.
import type { Button } from "@slack/types";
import type { ScreeningRecord } from "../../domain/records.js";
import { isEditable } from "../../domain/screening.js";
import { ACTION, uniqueActionId } from "../ids.js";
import { LIMITS, plainText } from "./text.js";

/** Resume (drafts, more information requested) or View (everything submitted). */
export function screeningButton(s: Pick<ScreeningRecord, "id" | "status">): Button {
  if (isEditable(s.status)) {
    return { type: "button", action_id: uniqueActionId(ACTION.resume, s.id), text: plainText("Resume", LIMITS.button), value: s.id, style: "primary" };
  }
  // One View per section: the id is unique within its block, as Slack asks, and is the View
  // answers action as the escalation message uses it.
  return { type: "button", action_id: ACTION.viewAnswers, text: plainText("View", LIMITS.button), value: s.id };
}
