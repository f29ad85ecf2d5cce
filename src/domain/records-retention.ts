// How long a screening's record is kept, and what deleting it after that means. Pure.
//
// Records are kept for the retention period in configuration (RECORDS_RETENTION_YEARS, default
// 5: EAR 15 CFR 762.6 asks for five years, as does EU Regulation 2021/821 Art. 27), counted from
// the record's last change (its last answer, decision, resolution or state change; reading or
// exporting it is no change). Before then, nothing of it is deleted, whoever asks: the attempt is
// refused and audited.
//
// After the period, "deleting" a record erases its content, not its existence:
// - erased: every answer with its whole history, what was left typed and unsaved (drafts), the
//   stored scoring (its factor trail quotes answers, its party screening names the parties),
//   each decision's rationale and written conditions, and the reasons given for party-match
//   resolutions;
// - kept: the screening's reference, requester, dates, status, score, tier and hard-stop flag,
//   each decision's outcome, decider, time, chosen conditions and licence or authorisation, and
//   the whole audit trail. The trail is append-only and hash-chained: removing or editing one
//   event would break the chain that proves every other record intact, so its events about this
//   screening stay as written, including what some of them quote (party names screened,
//   resolution reasons, the scores). The erasure itself is recorded in it (record.erased).
import type { AggregateChange, AggregateState } from "./aggregate.js";
import type { CommandRefusal } from "./interview-commands.js";
import type { ScreeningStatus } from "./screening.js";

export const DEFAULT_RETENTION_YEARS = 5;

/** The audit event recorded when a record's content is erased after its retention period. */
export const RECORD_ERASED = "record.erased";

/** Statuses in which a screening still waits for someone: never erased, whatever its age. */
const IN_PROGRESS: readonly ScreeningStatus[] = ["escalated", "info_requested"];

/** `at` plus `years` calendar years (UTC); 29 February lands on 1 March in a common year. */
export function addYears(at: Date, years: number): Date {
  const d = new Date(at.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}

/** The newest of the times a record last changed (ignores missing ones). */
export function lastChange(times: ReadonlyArray<Date | null | undefined>): Date {
  let newest = 0;
  for (const t of times) if (t && t.getTime() > newest) newest = t.getTime();
  return new Date(newest);
}

export interface RetentionState {
  /** when the record last changed */
  lastActivityAt: Date;
  /** the record is kept at least until then */
  keepUntil: Date;
}

export function retentionOf(lastActivityAt: Date, years: number): RetentionState {
  return { lastActivityAt, keepUntil: addYears(lastActivityAt, years) };
}

export interface EraseCommand {
  actorId: string;
  now: Date;
  retentionYears: number;
  /** when the record last changed (retentionOf): the store reads it with the aggregate */
  lastActivityAt: Date;
  /** false: say what would be erased, erase nothing */
  confirmed: boolean;
  /** whether the record's content was erased before (a record.erased event exists) */
  erasedBefore: boolean;
}

export type EraseDecision =
  | { kind: "refused"; refusal: CommandRefusal }
  /** nothing left to erase */
  | { kind: "already_erased" }
  /** past the period, not confirmed: what would go */
  | { kind: "would_erase"; retention: RetentionState }
  | { kind: "erase"; retention: RetentionState; change: AggregateChange };

const DAY = (d: Date) => d.toISOString().slice(0, 10);

/** Whether `state`'s record may be erased now, and the change that erases it. */
export function decideErasure(state: AggregateState, cmd: EraseCommand): EraseDecision {
  const s = state.screening;
  // (the erasure is itself a change: the period is not counted again from it)
  if (cmd.erasedBefore && Object.keys(state.answers).length === 0 && s.scoring === null) return { kind: "already_erased" };
  const retention = retentionOf(cmd.lastActivityAt, cmd.retentionYears);
  if (cmd.now.getTime() < retention.keepUntil.getTime()) {
    return {
      kind: "refused",
      refusal: {
        code: "not_editable",
        message:
          `${s.reference} cannot be deleted: records are kept for ${cmd.retentionYears} years after their last change (RECORDS_RETENTION_YEARS), ` +
          `and ${s.reference} last changed on ${DAY(retention.lastActivityAt)}, so it is kept until ${DAY(retention.keepUntil)}. ` +
          `Nothing was deleted; this attempt is recorded in the audit trail.`,
        audit: {
          type: "record.deletion_refused",
          data: { reason: "retention_period", retentionYears: String(cmd.retentionYears), lastActivityAt: retention.lastActivityAt.toISOString(), keepUntil: retention.keepUntil.toISOString() },
        },
      },
    };
  }
  if (IN_PROGRESS.includes(s.status)) {
    return {
      kind: "refused",
      refusal: {
        code: "not_editable",
        message: `${s.reference} cannot be deleted: it is still waiting for a decision (status: ${s.status.replace("_", " ")}). Nothing was deleted; this attempt is recorded in the audit trail.`,
        audit: { type: "record.deletion_refused", data: { reason: "in_progress", status: s.status } },
      },
    };
  }
  if (!cmd.confirmed) return { kind: "would_erase", retention };
  return {
    kind: "erase",
    retention,
    change: {
      screening: { drafts: {}, scoring: null },
      erase: true,
      audit: [
        {
          actorId: cmd.actorId,
          type: RECORD_ERASED,
          data: {
            retentionYears: cmd.retentionYears,
            lastActivityAt: retention.lastActivityAt.toISOString(),
            keepUntil: retention.keepUntil.toISOString(),
            erased: ["answers", "answer_history", "drafts", "scoring", "decision_rationales", "written_conditions", "match_resolution_reasons"],
          },
        },
      ],
      deliveries: [],
    },
  };
}
