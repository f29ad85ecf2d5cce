// The life of a screening, as a status machine. Pure. The use cases change a status only
// through transition() (src/domain/interview-commands.ts, decision-commands.ts), so this table
// is the machine in force:
//
//   draft ──submit: clear──▶ cleared                                        (tier below threshold)
//     └───submit: escalate──▶ escalated ──approve──▶ approved                (final)
//                               │  ├─────reject────▶ rejected                (final)
//                               │  └─request info─▶ info_requested ──reopen──▶ draft ──resubmit──▶ escalated
//                               └──close──▶ cleared   (every potential list match was another party, nothing left to decide)
//
//   cleared / approved ──reassess──▶ escalated   (a misuse report put it under review: its
//                                                escalation reopens in a new round, or one is
//                                                opened for a cleared screening; compliance
//                                                decides it again; src/domain/misuse-reports.ts)
//
// Scoring happens in the same statement as the submission, so there is no stored "submitted"
// state between them: a crash leaves either the draft or the outcome.

export const SCREENING_STATUSES = ["draft", "cleared", "escalated", "info_requested", "approved", "rejected"] as const;
export type ScreeningStatus = (typeof SCREENING_STATUSES)[number];

export type ScreeningEvent = "clear" | "escalate" | "resubmit" | "approve" | "reject" | "request_info" | "reopen" | "close" | "reassess";

const TRANSITIONS: Record<ScreeningStatus, Partial<Record<ScreeningEvent, ScreeningStatus>>> = {
  draft: { clear: "cleared", escalate: "escalated", resubmit: "escalated" },
  cleared: { reassess: "escalated" },
  escalated: { approve: "approved", reject: "rejected", request_info: "info_requested", close: "cleared" },
  info_requested: { reopen: "draft" },
  approved: { reassess: "escalated" },
  rejected: {},
};

/** The status after `event`, or undefined when the event is not allowed in `from`. */
export function nextStatus(from: ScreeningStatus, event: ScreeningEvent): ScreeningStatus | undefined {
  return TRANSITIONS[from][event];
}

/** A transition the caller has already checked is allowed (a bug otherwise, never user input). */
export function transition(from: ScreeningStatus, event: ScreeningEvent): ScreeningStatus {
  const to = TRANSITIONS[from][event];
  if (!to) throw new Error(`no transition ${event} from ${from}`);
  return to;
}

export function isScreeningStatus(s: string): s is ScreeningStatus {
  return (SCREENING_STATUSES as readonly string[]).includes(s);
}

/** Whether the requester may still change answers. */
export function isEditable(status: ScreeningStatus): boolean {
  return status === "draft" || status === "info_requested";
}

export function isFinal(status: ScreeningStatus): boolean {
  return status === "cleared" || status === "approved" || status === "rejected";
}

export const STATUS_LABELS: Record<ScreeningStatus, string> = {
  draft: "Draft",
  cleared: "Cleared",
  escalated: "Awaiting compliance decision",
  info_requested: "More information requested",
  approved: "Approved",
  rejected: "Rejected",
};

/** What the requester should do next, for lists and the Home tab. */
export function nextActionFor(status: ScreeningStatus): string {
  switch (status) {
    case "draft":
      return "Finish the questionnaire: /screening resume";
    case "escalated":
      return "Wait for compliance";
    case "info_requested":
      return "Answer compliance's question and resubmit";
    case "cleared":
    case "approved":
      return "None: you may proceed (respect any conditions)";
    case "rejected":
      return "None: do not proceed";
  }
}

/** Human reference like DD-2026-0007. */
export function formatReference(year: number, n: number): string {
  return `DD-${year}-${String(n).padStart(4, "0")}`;
}

export const REFERENCE_PATTERN = /^DD-\d{4}-\d{4,}$/;
