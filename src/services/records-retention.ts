// npm run records:delete: a screening's record deleted, as far as the retention policy allows
// (src/domain/records-retention.ts). Inside the retention period, or while it still waits for a
// decision, the attempt is refused and audited; after it, the record's content is erased in one
// statement with the event recording it, the audit trail kept whole.
import { lastActivityOfState } from "../domain/records-export.js";
import { decideErasure, type RetentionState } from "../domain/records-retention.js";
import { wasErased } from "../store/records-export.js";
import { onAggregate, type ServiceContext } from "./context.js";
import { normaliseReference } from "./records-export.js";
import { ServiceError } from "./errors.js";

export type DeletionOutcome =
  | { kind: "erased"; reference: string; retention: RetentionState }
  | { kind: "would_erase"; reference: string; retention: RetentionState }
  | { kind: "already_erased"; reference: string };

/**
 * Deletes what the retention policy lets go of `reference`'s record, when `confirmed`; without
 * it, says what would be erased. Refusals (unknown reference, inside the retention period, still
 * waiting for a decision) are audited and thrown as ServiceErrors.
 */
export async function deleteRecord(
  ctx: ServiceContext,
  args: { reference: string; actorId: string; retentionYears: number; confirmed: boolean },
): Promise<DeletionOutcome> {
  const reference = normaliseReference(args.reference);
  if (!reference) throw new ServiceError("not_found", "That is not a screening reference. References look like DD-2026-0007.");
  return onAggregate<DeletionOutcome>(ctx, {
    key: { reference },
    actorId: args.actorId,
    missing: () => ({
      code: "not_found",
      message: `No screening ${reference}: nothing was deleted.`,
      audit: { type: "record.deletion_refused", data: { reason: "unknown_screening", screeningRef: reference } },
    }),
    decide: async (state) => {
      const decided = decideErasure(state, {
        actorId: args.actorId,
        now: ctx.now(),
        retentionYears: args.retentionYears,
        lastActivityAt: lastActivityOfState(state),
        confirmed: args.confirmed,
        erasedBefore: await wasErased(ctx.prisma, state.screening.id),
      });
      switch (decided.kind) {
        case "refused":
          return { refuse: decided.refusal, actorId: args.actorId };
        case "already_erased":
          return { done: { kind: "already_erased", reference } };
        case "would_erase":
          return { done: { kind: "would_erase", reference, retention: decided.retention } };
        case "erase":
          return { commit: decided.change, answer: () => ({ kind: "erased", reference, retention: decided.retention }) };
      }
    },
  });
}
