// The "Report misuse" message shortcut: the misuse-report form, with the message's link as
// evidence and its text quoted under What happened, for the reporter to edit. The link is asked
// of Slack (chat.getPermalink) with a short wait, since the trigger id lives about 3 s; without
// it the form opens all the same.
import type { MessageShortcut } from "@slack/bolt";
import { describeError } from "../../../log-safe.js";
import { anonymityPolicy } from "../../../services/misuse-reports.js";
import { buildMisuseReportModal } from "../../blocks/misuse-report-modal.js";
import { SHORTCUT } from "../../ids.js";
import { reportFormMetadata } from "../../parse/misuse-report.js";
import type { Listener, ShortcutArgs, ShortcutRegistration } from "../types.js";

/** How long the permalink may take before the form opens without it. */
const PERMALINK_WAIT_MS = 1200;
const QUOTED_MAX = 2500;

export const NOT_OPENED = "Slack did not open the report form (the click had expired), so nothing was sent. Choose Report misuse on the message again, or type `/screening report`.";

async function permalinkOf(args: ShortcutArgs, channel: string, ts: string): Promise<string | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), PERMALINK_WAIT_MS);
  });
  try {
    const res = await Promise.race([args.client.chat.getPermalink({ channel, message_ts: ts }).then((r) => r.permalink), timeout]);
    return typeof res === "string" && /^https:\/\//.test(res) ? res : undefined;
  } catch {
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

export const handleReportShortcut: Listener<ShortcutArgs> = async (args, deps) => {
  const { services } = deps;
  const { ack, shortcut, client, respond } = args;
  await ack();
  if (shortcut.type !== "message_action") return;
  const s = shortcut as MessageShortcut;
  const channelId = s.channel?.id;
  const ts = s.message?.ts;
  const source = typeof channelId === "string" && typeof ts === "string" ? { channelId, messageTs: ts } : undefined;
  const link = source ? await permalinkOf(args, source.channelId, source.messageTs) : undefined;
  const text = typeof s.message?.text === "string" ? s.message.text.trim() : "";
  const quoted = text === "" ? undefined : `From the message: "${text.length > QUOTED_MAX ? `${text.slice(0, QUOTED_MAX)}…` : text}"\n\n`;
  try {
    await client.views.open({
      trigger_id: s.trigger_id,
      view: buildMisuseReportModal({
        ruleSet: services.ruleSet,
        anonymousAllowed: anonymityPolicy(services) === "allowed",
        metadata: reportFormMetadata({ via: "shortcut", source }),
        prefill: { evidence: link, happened: quoted },
      }),
    });
  } catch (err) {
    services.log.warn("views.open failed", { context: "report misuse shortcut", error: describeError(err) });
    if (respond) await respond({ response_type: "ephemeral", text: NOT_OPENED }).catch(() => undefined);
  }
};

export const registrations: ShortcutRegistration[] = [{ callbackId: SHORTCUT.reportMisuse, listener: handleReportShortcut }];
