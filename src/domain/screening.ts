// The life of a screening, as a status machine. Pure.
//
//   draft ──submit──▶ submitted ──score──▶ cleared                       (tier below threshold)
//                                   └────▶ escalated ──decide──▶ approved | rejected   (final)
//                                               └──request info──▶ info_requested ──edit──▶ draft ──submit──▶ …
//
// "submitted" is transient (scoring happens in the same transaction); it is kept as a status
// so that a crash between submission and outcome is visible rather than silently a draft.

export const SCREENING_STATUSES = ["draft", "submitted", "cleared", "escalated", "info_requested", "approved", "rejected"] as const;
export type ScreeningStatus = (typeof SCREENING_STATUSES)[number];

export type ScreeningEvent = "submit" | "clear" | "escalate" | "approve" | "reject" | "request_info" | "reopen";

const TRANSITIONS: Record<ScreeningStatus, Partial<Record<ScreeningEvent, ScreeningStatus>>> = {
  draft: { submit: "submitted" },
  submitted: { clear: "cleared", escalate: "escalated" },
  cleared: {},
  escalated: { approve: "approved", reject: "rejected", request_info: "info_requested" },
  info_requested: { reopen: "draft" },
  approved: {},
  rejected: {},
};

export function isScreeningStatus(s: string): s is ScreeningStatus {
  return (SCREENING_STATUSES as readonly string[]).includes(s);
}

/** The status after `event`, or undefined when the event is not allowed in `from`. */
export function nextStatus(from: ScreeningStatus, event: ScreeningEvent): ScreeningStatus | undefined {
  return TRANSITIONS[from][event];
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
  submitted: "Submitted",
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
    case "submitted":
      return "Being scored";
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
