// A modal that only tells the person something (form expired, not saved, not allowed).
import type { View } from "@slack/types";
import { CALLBACK } from "../ids.js";
import { escapeMrkdwn, truncate } from "./text.js";

/**
 * What the person sees for the moment between the click and the first page: Slack's trigger id
 * expires about 3 s after the click, so the modal is opened before any database work and then
 * replaced by the page (or by a notice saying what went wrong).
 */
export function buildLoadingModal(): View {
  return {
    type: "modal",
    callback_id: CALLBACK.loading,
    title: { type: "plain_text", text: "Screening" },
    close: { type: "plain_text", text: "Close" },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: "Opening your screening…" } }],
  };
}

export function buildNoticeModal(title: string, message: string): View {
  return {
    type: "modal",
    title: { type: "plain_text", text: truncate(title, 24) },
    close: { type: "plain_text", text: "Close" },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(escapeMrkdwn(message), 3000) } }],
  };
}
