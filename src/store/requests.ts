// Idempotency keys of state-changing requests. Claimed inside the transaction that makes the
// change: a replay finds the key taken and the whole change is not repeated.
import type { Db, Tx } from "./types.js";

/** True when this request key is new (and now taken); false when it was handled before. */
export async function claimRequestKey(tx: Tx, key: string): Promise<boolean> {
  const rows = await tx.$queryRaw<Array<{ key: string }>>`
    INSERT INTO processed_requests (key) VALUES (${key}) ON CONFLICT (key) DO NOTHING RETURNING key`;
  return rows.length === 1;
}

/** True when this request key was already handled (checked first, so a replay is recognised
 * even after the state it changed no longer allows the change). */
export async function requestSeen(db: Db, key: string): Promise<boolean> {
  return (await db.processedRequest.count({ where: { key } })) > 0;
}
