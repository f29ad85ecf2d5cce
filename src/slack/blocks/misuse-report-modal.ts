// The misuse-report forms: the report itself (/screening report, the Report misuse message
// shortcut), what the reporter sees once it is sent, and the rationale of Close with rationale.
// Pure.
import type { KnownBlock, ModalView, PlainTextInput } from "@slack/types";
import { REPORT_LIMITS } from "../../domain/misuse-reports.js";
import type { RuleSet } from "../../domain/rule-set.js";
import { ACTION, BLOCK, CALLBACK } from "../ids.js";
import { countryOptionGroups } from "./page-modal.js";
import { LIMITS, escapeMrkdwn, mrkdwn, plainOption, plainText, truncate } from "./text.js";

/** What the form is opened with: the shortcut's message as evidence, what the person typed before. */
export interface ReportPrefill {
  item?: string | undefined;
  parties?: string | undefined;
  country?: string | undefined;
  happened?: string | undefined;
  evidence?: string | undefined;
  screening?: string | undefined;
}

export const ANONYMOUS_OPTION = "anonymous";

function textInput(args: { multiline: boolean; max: number; initial?: string | undefined; placeholder?: string }): PlainTextInput {
  const initial = args.initial?.trim() ? truncate(args.initial, args.max) : undefined;
  return {
    type: "plain_text_input",
    action_id: ACTION.reportField,
    multiline: args.multiline,
    max_length: args.max,
    ...(initial ? { initial_value: initial } : {}),
    ...(args.placeholder ? { placeholder: plainText(args.placeholder, LIMITS.placeholder) } : {}),
  };
}

/**
 * The report form. `anonymousAllowed` (MISUSE_REPORTS_ANONYMOUS=allowed) adds the choice to stay
 * anonymous; `metadata` is the form's private_metadata (parse/misuse-report.ts).
 */
export function buildMisuseReportModal(args: { ruleSet: RuleSet; anonymousAllowed: boolean; metadata: string; prefill?: ReportPrefill | undefined }): ModalView {
  const { ruleSet, prefill = {} } = args;
  const countries = countryOptionGroups(ruleSet);
  const initialCountry = prefill.country ? countries.flatMap((g) => g.options).find((o) => o.value === prefill.country) : undefined;
  const blocks: KnownBlock[] = [
    {
      type: "section",
      text: mrkdwn(
        "Tell compliance about possible misuse of something we sold: what it is, who uses it, where, and what happened. " +
          "Send what you know; links to evidence and the screening reference help if you have them.",
      ),
    },
    {
      type: "input",
      block_id: BLOCK.report.item,
      label: plainText("What was sold", LIMITS.label),
      hint: plainText("The product, system or service, as you know it.", LIMITS.hint),
      element: textInput({ multiline: false, max: REPORT_LIMITS.item, initial: prefill.item, placeholder: "e.g. licence-plate reader cameras and back-office software" }),
    },
    {
      type: "input",
      block_id: BLOCK.report.parties,
      label: plainText("Who is using it (customer or end user)", LIMITS.label),
      hint: plainText("The organisation's name; one per line if there are several.", LIMITS.hint),
      element: textInput({ multiline: true, max: REPORT_LIMITS.parties, initial: prefill.parties }),
    },
    {
      type: "input",
      block_id: BLOCK.report.country,
      label: plainText("Where did it happen", LIMITS.label),
      element: {
        type: "static_select",
        action_id: ACTION.reportField,
        placeholder: plainText("Choose a country", LIMITS.placeholder),
        option_groups: countries,
        ...(initialCountry ? { initial_option: initialCountry } : {}),
      },
    },
    {
      type: "input",
      block_id: BLOCK.report.happened,
      label: plainText("What happened", LIMITS.label),
      hint: plainText("What you saw or heard, when, and how you know it.", LIMITS.hint),
      element: textInput({ multiline: true, max: REPORT_LIMITS.happened, initial: prefill.happened }),
    },
    {
      type: "input",
      block_id: BLOCK.report.evidence,
      optional: true,
      label: plainText("Evidence links", LIMITS.label),
      hint: plainText(`Web addresses (https://…), one per line, at most ${REPORT_LIMITS.links}: articles, reports, a Slack message link.`, LIMITS.hint),
      element: textInput({ multiline: true, max: REPORT_LIMITS.evidence, initial: prefill.evidence }),
    },
    {
      type: "input",
      block_id: BLOCK.report.screening,
      optional: true,
      label: plainText("Screening reference", LIMITS.label),
      hint: plainText("The screening the deal went through, if you know it.", LIMITS.hint),
      element: textInput({ multiline: false, max: 20, initial: prefill.screening, placeholder: "DD-2026-0007" }),
    },
  ];
  if (args.anonymousAllowed) {
    blocks.push({
      type: "input",
      block_id: BLOCK.report.anonymous,
      optional: true,
      label: plainText("Anonymity", LIMITS.label),
      element: {
        type: "checkboxes",
        action_id: ACTION.reportField,
        options: [
          plainOption(
            ANONYMOUS_OPTION,
            "Send it without my name",
            "Nobody sees who sent it; only the audit trail keeps it, restricted.",
          ),
        ],
      },
    });
    blocks.push({
      type: "context",
      elements: [mrkdwn("Without your name, the report still shows what you wrote and link to: remove a link to your own Slack message, or words that say who you are, if you want to stay unknown.")],
    });
  }
  return {
    type: "modal",
    callback_id: CALLBACK.misuseReport,
    private_metadata: args.metadata.slice(0, LIMITS.privateMetadata),
    title: plainText("Report misuse", LIMITS.title),
    submit: plainText("Send report", LIMITS.title),
    close: plainText("Cancel", LIMITS.title),
    blocks,
  };
}

/** What the reporter sees once the report is recorded (the form updated in place). */
export function buildReportSentModal(args: { reference: string; anonymous: boolean }): ModalView {
  const who = args.anonymous
    ? "It was sent *without your name*: the compliance channel and the report do not show who sent it. Only the audit trail records it, in a restricted field, in case an investigation needs it."
    : "It was sent with your name, so compliance can ask you for more.";
  return {
    type: "modal",
    title: plainText("Report sent", LIMITS.title),
    close: plainText("Close", LIMITS.title),
    blocks: [
      {
        type: "section",
        text: mrkdwn(
          `Thank you. Your report *${escapeMrkdwn(args.reference)}* is with the compliance team, who will look into it.\n${who}\n` +
            "If you learn more, send another report naming the same screening or customer.",
        ),
      },
    ],
  };
}

/** Close with rationale: why the report is closed (required). */
export function buildReportCloseModal(args: { reportId: string; reference: string }): ModalView {
  return {
    type: "modal",
    callback_id: CALLBACK.misuseReportClose,
    private_metadata: JSON.stringify({ r: args.reportId }),
    title: plainText("Close report", LIMITS.title),
    submit: plainText("Close report", LIMITS.title),
    close: plainText("Cancel", LIMITS.title),
    blocks: [
      {
        type: "section",
        text: mrkdwn(`*Close ${escapeMrkdwn(args.reference)}*\nThe rationale is recorded with the report and shown on its message in the channel. Screenings put under review stay with compliance until each is decided.`),
      },
      {
        type: "input",
        block_id: BLOCK.reportRationale,
        label: plainText("Rationale", LIMITS.label),
        hint: plainText("What was found, what was done, or why nothing needs doing.", LIMITS.hint),
        element: textInput({ multiline: true, max: REPORT_LIMITS.rationale }),
      },
    ],
  };
}
