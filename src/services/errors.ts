// Errors a use case reports to its caller. Each carries a code for the adapter to branch on
// and a message written for the person who made the request (never a stack trace).
export type ServiceErrorCode =
  | "not_found"
  | "forbidden"
  | "not_editable"
  | "not_in_force"
  | "incomplete"
  | "conflict"
  | "unavailable"
  /** the request waited past its budget (request-budget.ts): nothing was written, submit again */
  | "busy";

/** The audit event recorded for a refusal (nothing else of the refused request is written). */
export interface RefusalAudit {
  screeningId: string | null;
  actorId: string;
  type: string;
  data: Record<string, string>;
}

export class ServiceError extends Error {
  constructor(
    readonly code: ServiceErrorCode,
    message: string,
    readonly audit?: RefusalAudit,
  ) {
    super(message);
    this.name = "ServiceError";
  }
}
