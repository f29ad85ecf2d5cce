-- Each request's changes are written in one statement (src/store/aggregate.ts), which computes
-- the audit chain's hashes in SQL from the chain's tail as the statement sees it.

-- An event can follow only one event: two writers that read the same tail cannot both append,
-- so the chain cannot fork; the loser gets a unique violation and runs again on fresh data.
CREATE UNIQUE INDEX "audit_events_prev_hash_key" ON "audit_events"("prev_hash");

-- Aborts the statement that calls it (and so every change that statement made), with a
-- serialization failure: the caller runs the request again on fresh data.
CREATE FUNCTION dd_abort(reason text) RETURNS integer LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'commit refused: %', reason USING ERRCODE = '40001';
END;
$$;
