// A modal that only tells the person something (form expired, not saved, not allowed).
import type { View } from "@slack/types";
import { escapeMrkdwn, truncate } from "./text.js";

export function buildNoticeModal(title: string, message: string): View {
  return {
    type: "modal",
    title: { type: "plain_text", text: truncate(title, 24) },
    close: { type: "plain_text", text: "Close" },
    blocks: [{ type: "section", text: { type: "mrkdwn", text: truncate(escapeMrkdwn(message), 3000) } }],
  };
}
